/**
 * Runs a CommonJS file with V8's code cache (ADR 0016): the bytecode V8
 * compiled for it in an earlier run is read from a per-user cache folder, so
 * a short-lived process skips most of its compile time. Node 22 does this
 * for every module (`module.enableCompileCache`); Node 20 offers it only
 * through `vm.Script`'s `cachedData`, which is what v8-compile-cache did.
 *
 * Rules it keeps:
 * - The file must not use `import()` (the build turns it into `require`):
 *   a `vm.Script` has no module loader of its own on Node 20.11.
 * - The cache is only an accelerator: a missing, unreadable, unwritable or
 *   rejected cache runs the file compiled from source, as `require` would.
 * - A cache file is keyed by the file's build id (its first line, written
 *   by scripts/build-cli-bundle.mjs), Node's version and architecture and a
 *   caller's name, because V8 itself only checks the source's length and
 *   its own version: a same-length rebuild must never meet old bytecode.
 * - The cache is written after the run, so it holds every function the run
 *   compiled (lazy functions included); one file per `name`, so `--help`
 *   and `send` each keep what they use.
 * - Bytecode is code: V8 runs whatever a cache file holds, so a cache is read
 *   and written only through private-files.ts, which trusts a file only in a
 *   folder no one but this user can change (else the run has no cache).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { readPrivateFile, writePrivateFile } from './private-files.js';

/** First line of a file the build made cacheable: `// agentmesh-build <id>`. */
const BUILD_ID_LINE = /^\/\/ agentmesh-build ([0-9a-f]{16,64})\n/;

/** Node's CommonJS wrapper, on the first line so that line numbers stay true. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';

/** Options of {@link requireWithCodeCache}. */
export interface CodeCacheOptions {
  /**
   * Absolute path of the folder for the cache files, created 0700 when first
   * written; undefined, relative or not private to this user runs without a cache.
   */
  cacheDir?: string;
  /** What this run does (`send`, `help`): runs with one name share a cache file. Letters, digits and `-`. */
  name: string;
}

/**
 * Loads the CommonJS `file` as `require(file)` would, through the code cache,
 * and returns its `module.exports`.
 *
 * @example
 * const { main } = requireWithCodeCache('/app/dist/cli.cjs', { cacheDir: '/home/me/.cache/agentmesh', name: 'send' }) as { main(argv: string[]): Promise<void> };
 */
export function requireWithCodeCache(file: string, options: CodeCacheOptions): unknown {
  const source = readFileSync(file, 'utf8');
  const buildId = BUILD_ID_LINE.exec(source)?.[1];
  const cacheFile =
    options.cacheDir === undefined || buildId === undefined || !/^[a-z0-9-]+$/i.test(options.name)
      ? undefined
      : join(options.cacheDir, `cli-${buildId}-${process.version}-${process.arch}-${options.name}.v8cache`);
  const cachedData = cacheFile === undefined ? undefined : readPrivateFile(cacheFile);
  const script = new Script(`${WRAPPER_HEAD}${source}\n})`, {
    filename: file,
    columnOffset: -WRAPPER_HEAD.length,
    cachedData,
  });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // After the run, not now: the cache then also holds the functions the run compiled lazily.
    process.once('exit', () => writeCache(cacheFile, script, buildId!));
  }
  const module = { exports: {} as unknown };
  const wrapped = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  wrapped.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

function writeCache(file: string, script: Script, buildId: string): void {
  try {
    if (writePrivateFile(file, script.createCachedData())) pruneOtherBuilds(dirname(file), buildId);
  } catch {
    // An unwritable cache costs the next run its compile time, nothing more.
  }
}

/** A cache file's name: `cli-<build id>-<node version>-<arch>-<name>.v8cache`. */
const CACHE_FILE = /^cli-([0-9a-f]{16,64})-.+\.v8cache$/;

/**
 * Removes the cache files of other builds; this build's files (any Node
 * version, any run name) stay. A cache is written
 * only on the first run of a build (or after V8 rejected one), so this runs
 * once per upgrade, not per command; without it every upgrade would leave
 * its ~1 MB files behind for good.
 */
function pruneOtherBuilds(dir: string, buildId: string): void {
  for (const name of readdirSync(dir)) {
    const id = CACHE_FILE.exec(name)?.[1];
    if (id !== undefined && id !== buildId) rmSync(join(dir, name), { force: true });
  }
}
