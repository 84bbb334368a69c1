#!/usr/bin/env node
/**
 * Builds the CLI bundle (ADR 0016): the commands in `BUNDLED_COMMANDS`
 * (src/cli/load-cli.ts) with commander, the official SDK client and its
 * `jose`, in one CommonJS file `bundle.cjs` that `load-cli.ts` runs through
 * V8's code cache; the SDK's gRPC transport (grpc-js, protobuf: 1.3 MB that
 * only a gRPC agent needs) in `bundle-grpc.cjs`, required on first use.
 * The first line of each file is `// agentmesh-build <sha256 of the rest>`,
 * which keys the code cache (code-cache.ts).
 *
 * `npm run build` runs it on dist/ after tsc; a test runs it on src/.
 * Usage: node scripts/build-cli-bundle.mjs [entry] [outDir]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The gRPC transport, as client.ts imports it and as the main bundle requires it. */
const GRPC_TRANSPORT = '@a2a-js/sdk/client/grpc';
const GRPC_BUNDLE = 'bundle-grpc.cjs';

/** esbuild options both files share. */
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
  // import() becomes require(): the bundle runs in a vm.Script, which has no module loader of its own.
  supported: { 'dynamic-import': false },
  // program.ts finds package.json, and params-validation.ts ajv, from their own URL: the bundle's.
  define: { 'import.meta.url': '__agentmesh_bundle_url' },
  banner: { js: 'const __agentmesh_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
};

/**
 * Modules the bundled commands import only on a path they never take, left
 * out of the bundle with what they export in their place. `config/setting-variable`
 * names the variable behind a role's setting refused by its config schema
 * (`roleConfigInvalid`, thrown only where a role's config is parsed: no
 * bundled command runs a role); it reads every role's config, and with them
 * zod, kysely, storage, pino and OpenTelemetry: 1.8 MB that made the bundle
 * 2.5 MB and `agentmesh --help` cost 2.8 times a bare `node` instead of 1.7.
 * error-report.ts imports it on first use, so the ES modules of every other
 * command still load it.
 */
const LEFT_OUT = [{ path: /[/\\]config[/\\]setting-variable\.[jt]s$/, stands: 'export const variableOfSetting = () => undefined;' }];

/**
 * commander requires node:child_process as it loads, for a feature the CLI
 * never uses (subcommands as executables of their own); with it came net,
 * dgram and the streams, about 3 ms of every `agentmesh --help`. In the
 * bundle commander gets a stand-in that requires the real module when first
 * touched.
 */
const LAZY_CHILD_PROCESS = `let real;
const load = () => (real ??= require('node:child_process'));
module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });`;

/**
 * Keeps out of the bundle the commands it does not hold: program.ts's
 * `import('./commands/…')` of such a command becomes a module that throws
 * (load-cli.ts never runs them from the bundle), and the gRPC transport
 * becomes a require of bundle-grpc.cjs.
 */
function cliBundlePlugin(bundled) {
  const kept = new Set();
  return {
    name: 'agentmesh-cli-bundle',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\// }, (args) => {
        if (!/[/\\]program\.[jt]s$/.test(args.importer)) return undefined;
        const name = basename(args.path, extname(args.path));
        if (bundled.includes(name)) {
          kept.add(name);
          return undefined;
        }
        return { path: args.path, namespace: 'not-bundled' };
      });
      b.onLoad({ filter: /.*/, namespace: 'not-bundled' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in the CLI bundle (ADR 0016): run it with AGENTMESH_CLI_BUNDLE=0`)});`,
        loader: 'js',
      }));
      b.onResolve({ filter: new RegExp(`^${GRPC_TRANSPORT}$`) }, () => ({ path: `./${GRPC_BUNDLE}`, external: true }));
      b.onResolve({ filter: /^\./ }, (args) => {
        const resolved = join(args.resolveDir, args.path);
        const left = LEFT_OUT.find((entry) => entry.path.test(resolved));
        return left === undefined ? undefined : { path: resolved, namespace: 'left-out' };
      });
      b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[/\\]node_modules[/\\]commander[/\\]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({ contents: LAZY_CHILD_PROCESS, loader: 'js' }));
      b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({ contents: LEFT_OUT.find((entry) => entry.path.test(args.path)).stands, loader: 'js' }));
      b.onEnd(() => {
        const missing = bundled.filter((name) => name !== 'help' && !kept.has(name));
        if (missing.length > 0) throw new Error(`BUNDLED_COMMANDS names commands program.ts does not load: ${missing.join(', ')}`);
      });
    },
  };
}

/** Writes `text` to `file` with its build id as the first line. */
function writeStamped(file, text) {
  const id = createHash('sha256').update(text).digest('hex').slice(0, 32);
  writeFileSync(file, `// agentmesh-build ${id}\n${text}`);
}

/**
 * Bundles `entry` (bundle-entry.js in dist/, or .ts in src/) into `outDir`,
 * and resolves with what `bundle.cjs` holds: each input, as esbuild names it
 * (a path from the working folder, or `namespace:path` for a stand-in), with
 * the inputs that import it.
 *
 * @example
 * const { inputs } = await buildCliBundle({ entry: 'src/cli/bundle-entry.ts', outDir: '/tmp/x' });
 */
export async function buildCliBundle({ entry, outDir }) {
  const { BUNDLED_COMMANDS } = await import(pathToFileURL(join(dirname(entry), `load-cli${extname(entry)}`)).href);
  mkdirSync(outDir, { recursive: true });
  const main = await build({ ...COMMON, entryPoints: [entry], outfile: join(outDir, 'bundle.cjs'), plugins: [cliBundlePlugin(BUNDLED_COMMANDS)], metafile: true });
  writeStamped(join(outDir, 'bundle.cjs'), main.outputFiles[0].text);
  const grpc = await build({
    ...COMMON,
    stdin: { contents: `export * from '${GRPC_TRANSPORT}';`, resolveDir: root, loader: 'js', sourcefile: 'grpc-transport.js' },
    outfile: join(outDir, GRPC_BUNDLE),
  });
  writeStamped(join(outDir, GRPC_BUNDLE), grpc.outputFiles[0].text);
  const importers = new Map(Object.keys(main.metafile.inputs).map((path) => [path, []]));
  for (const [path, { imports }] of Object.entries(main.metafile.inputs)) for (const { path: imported } of imports) importers.get(imported)?.push(path);
  return { inputs: [...importers].map(([path, by]) => ({ path, importers: by })) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry = join(root, 'dist/src/cli/bundle-entry.js'), outDir = join(root, 'dist/src/cli')] = process.argv.slice(2);
  await buildCliBundle({ entry, outDir });
}
