/**
 * Runs the repository's TypeScript on Node's own type stripping (`node --import ./scripts/ts-hooks.mjs x.ts`):
 * the test runner's files and the role processes the tests start. Node erases the types itself (the code base is
 * erasable-only: tsconfig.json `erasableSyntaxOnly`); what it lacks is the resolution TypeScript's NodeNext
 * mode writes for, which these synchronous, in-thread hooks add:
 *
 * - `./x.js` imported from a TypeScript file is `./x.ts` when that file exists (sources name their
 *   imports by the compiled file), and from any other file when `./x.js` does not exist;
 * - `agentmesh` and `agentmesh/testing` are the sources tsconfig.json `paths` names, not the built `dist`
 *   package.json `exports` names, so a test and the agent it imports share one copy of each module.
 *
 * A relative specifier naming a file that exists is answered here, not by Node's default resolution: the
 * URL is the file's, as Node's would be, and Node still gives it its format (the package's `type`) when it
 * loads it. Node's resolution of such a specifier stats the file again, then takes its real path, one
 * `lstat` per folder of the path, for each of a process's ~1,300 imports: answering them here took 12 %
 * off the CPU of importing `src/runtime/index.ts` (0.56 s to 0.49 s, median of 15). The real path is not
 * needed: a relative specifier is resolved against its importer's URL, already a real path, and no
 * package installed under node_modules links folders inside itself. Bare specifiers (`kysely`, `#x`),
 * and files that do not exist, go on to Node's resolution and its errors.
 *
 * It also turns on Node's compile cache, which keeps each module's type-stripped text and V8 bytecode, keyed
 * by its source's hash, so the many short processes of a test run do not strip and compile the same ~1,300
 * modules of the CLI again: in a folder of this checkout (node_modules/.cache), not the shared tmpdir, as
 * bytecode is code (src/cli/launch/code-cache.ts says the same of the CLI's own cache).
 *
 * Why not tsx: its loader runs off-thread and transforms every module: more CPU per process than Node's own
 * stripping (CONTRIBUTING.md, "Tests").
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { enableCompileCache, registerHooks } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** tsconfig.json `paths` (exact names only, as the repository uses them) as file URLs. */
const ALIASES = new Map(
  Object.entries(JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions.paths ?? {})
    .filter(([name]) => !name.includes('*'))
    .map(([name, [target]]) => [name, pathToFileURL(join(root, target)).href]),
);

const TS_PARENT = /\.[cm]?tsx?$/;
/** The TypeScript file a compiled-file specifier stands for: `.js` → `.ts`, `.mjs` → `.mts`, `.cjs` → `.cts`. */
const COMPILED = /\.([cm]?)js$/;

enableCompileCache(join(root, 'node_modules', '.cache', 'agentmesh-test-compile-cache'));

/** `./x.js`, `../x.mjs`: a relative specifier that names its file's extension (all an ES module may use). */
const RELATIVE_FILE = /^\.\.?\/.*\.[a-z]+$/;

/**
 * Whether `url` names a file: a folder (`require('./lib.d')` of a folder with an index) goes on to Node,
 * which resolves it as a folder.
 */
function isFile(url) {
  try {
    return statSync(url, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** The file `url` names, answered without Node's default resolution (above: why), or Node's answer when it does not exist. */
function existingFile(url, specifier, context, nextResolve) {
  return isFile(url) ? { url: url.href, shortCircuit: true } : nextResolve(specifier, context);
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (parent === undefined || !parent.startsWith('file:')) return nextResolve(specifier, context);
    const relative = RELATIVE_FILE.test(specifier);
    // Dependencies resolve as Node resolves them: tsconfig.json is not theirs.
    if (parent.includes('/node_modules/')) return relative ? existingFile(new URL(specifier, parent), specifier, context, nextResolve) : nextResolve(specifier, context);
    const alias = ALIASES.get(specifier);
    if (alias !== undefined) return nextResolve(alias, context);
    if (!relative) return nextResolve(specifier, context);
    const url = new URL(specifier, parent);
    if (COMPILED.test(specifier)) {
      const source = new URL(specifier.replace(COMPILED, '.$1ts'), parent);
      if (existsSync(source) && (TS_PARENT.test(new URL(parent).pathname) || !existsSync(url))) return { url: source.href, shortCircuit: true };
    }
    return existingFile(url, specifier, context, nextResolve);
  },
});
