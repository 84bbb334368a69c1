/**
 * `agentmesh --help` costs what Node costs (CONTRIBUTING.md, "Load what you
 * use"): it runs from the CLI bundle (ADR 0016), so what the bundle holds
 * is what it reads and compiles, and what the bundle's first lines import is
 * what it runs. The bundle inlines dynamic imports too: one `await import()`
 * of the roles' config readers, behind an error only a serving command meets,
 * took zod, kysely, storage, pino and OpenTelemetry into it (0.7 to 2.5 MB)
 * and `--help` from 1.7 to 2.8 times a bare `node -e ''`, while every test of
 * the ES modules' imports still passed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCliBundle } from '../../../scripts/build-cli-bundle.mjs';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The packages `send` and `tasks` use: commander, the SDK's client and its jose, the retries of the role APIs and the SDK's query parser. */
const PACKAGES = new Set(['commander', '@a2a-js/sdk', 'jose', 'cockatiel', 'fast-querystring', 'fast-decode-uri-component']);

/** Whether the bundle may hold `path` (relative to the repository, or a stand-in of the build). */
function belongs(path: string): boolean {
  if (/^(not-bundled|left-out|lazy-builtin):/.test(path)) return true;
  const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (pkg !== undefined) return PACKAGES.has(pkg);
  // The protocol, and the wire shapes the CLI reads of a parked call (plain objects, loading nothing else).
  if (/^src\/(protocol|node-version|contracts\/approvals)\//.test(path) || path === 'src/storage/make-folder.ts') return true;
  if (!path.startsWith('src/cli/')) return false;
  // The CLI, but not what only the serving commands use: their config readers, their start-up, the roles.
  if (/^src\/cli\/(serving|gateway-workers)\//.test(path)) return false;
  if (path.startsWith('src/cli/config/')) return path === 'src/cli/config/secret-files.ts';
  if (path.startsWith('src/cli/commands/')) return /^src\/cli\/commands\/(send\.ts|command-group\.ts|tasks\/)/.test(path);
  return true;
}

describe('agentmesh --help loads little', () => {
  let work: string;
  let bundle: string;
  let inputs: Array<{ path: string; importers: string[] }>;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentmesh-help-loads-'));
    ({ inputs } = await buildCliBundle({ entry: join(repo, 'src/cli/bundle-entry.ts'), outDir: join(work, 'out') }));
    inputs = inputs.map((input) => ({ path: fromRepo(input.path), importers: input.importers.map(fromRepo) }));
    bundle = join(work, 'out', 'bundle.cjs');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** esbuild names inputs from the working folder; a stand-in keeps its namespace. */
  const fromRepo = (path: string) => (/^[a-z-]+:/.test(path) ? path : relative(repo, isAbsolute(path) ? path : join(process.cwd(), path)));

  test('the bundle holds the CLI, the protocol and the clients of send and tasks: no role, storage, observability or config reader', () => {
    const byPath = new Map(inputs.map((input) => [input.path, input]));
    /** How `path` got in: its first importer, and that one's, up to the entry. */
    const chain = (path: string): string => {
      const seen = new Set<string>();
      const steps = [path];
      for (let at = byPath.get(path)?.importers[0]; at !== undefined && !seen.has(at); at = byPath.get(at)?.importers[0]) {
        seen.add(at);
        steps.push(at);
      }
      return steps.join(' <- ');
    };
    const strays = inputs.map((input) => input.path).filter((path) => !belongs(path));
    assert.deepEqual(strays, [], `the bundle holds what send, tasks and help never run; the first came in as\n  ${strays[0] === undefined ? '' : chain(strays[0])}`);
    // What the test allows is also what it finds: a belongs() that let everything through would pass the above.
    for (const expected of ['src/cli/program.ts', 'src/cli/commands/send.ts', 'src/protocol/index.ts', 'lazy-builtin:child_process']) {
      assert.ok(byPath.has(expected), `${expected} is in the bundle`);
    }
    assert.ok(inputs.some((input) => /^left-out:.*[/\\]config[/\\]setting-variable\.js$/.test(input.path)), 'the roles\' config readers stand in by a stub');
  });

  test('--help from the bundle loads neither node:crypto nor node:child_process', async () => {
    // As bin.ts runs it once load-cli.ts chose the bundle: the launcher, then the bundle through the code cache.
    const script = join(work, 'help.mjs');
    writeFileSync(
      script,
      `import { requireWithCodeCache } from ${JSON.stringify(join(repo, 'src/cli/launch/code-cache.ts'))};\n` +
        `const { main } = requireWithCodeCache(${JSON.stringify(bundle)}, { cacheDir: ${JSON.stringify(join(work, 'cache'))}, name: 'help' });\n` +
        "await main([process.argv[0], 'agentmesh', '--help']);\n" +
        "process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (crypto|child_process)$/.test(m))));\n",
    );
    // Twice: the first run writes the code cache (node:crypto names its temporary file); the second is every later --help.
    for (const pass of ['writes the cache', 'reads it']) {
      const { stdout, stderr } = await run(process.execPath, [...TS_CHILD_ARGV, script], { cwd: repo });
      assert.match(stdout, /^Usage: agentmesh \[options\] \[command\]/);
      if (pass === 'reads it') assert.deepEqual(JSON.parse(stderr), []);
    }
  });

  test('--help from the ES modules imports program.ts and its own few files, and neither the protocol nor the SDK', async () => {
    const program = join(repo, 'src/cli/program.ts');
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      const { runCli } = await import(${JSON.stringify(program)});
      const code = await runCli(['--help'], { stdout: { write: () => true }, stderr: { write: () => true }, env: {} });
      process.stdout.write(JSON.stringify({ code, loaded: loaded.filter((u) => u.startsWith('file:')) }));
    `;
    const { stdout } = await run(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script], { cwd: repo });
    const { code, loaded } = JSON.parse(stdout) as { code: number; loaded: string[] };
    assert.equal(code, 0);
    const files = loaded.map((url) => relative(repo, fileURLToPath(url))).map((path) => path.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*/, '$1'));
    assert.deepEqual([...new Set(files)].sort(), ['commander', 'src/cli/config/secret-files.ts', 'src/cli/io/cli-io.ts', 'src/cli/io/exit-codes.ts', 'src/cli/launch/command-operands.ts', 'src/cli/program.ts', 'src/cli/unknown-command.ts']);
  });

  test('the launcher that chooses the bundle loads only its own few files before it', async () => {
    const launcher = join(repo, 'src/cli/load-cli.ts');
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      await import(${JSON.stringify(launcher)});
      process.stdout.write(JSON.stringify(loaded.filter((u) => u.startsWith('file:'))));
    `;
    const { stdout } = await run(process.execPath, [...TS_CHILD_ARGV, '--input-type=module', '-e', script], { cwd: repo });
    const files = (JSON.parse(stdout) as string[]).map((url) => relative(repo, fileURLToPath(url)));
    // A stray import here (make-folder.ts once took the whole protocol, 270 modules) runs on every --help and send, before the bundle.
    const strays = files.filter((path) => !/^src\/cli\/(load-cli\.ts|launch\/[a-z-]+\.ts)$/.test(path) && path !== 'src/storage/make-folder.ts');
    assert.deepEqual(strays, []);
    assert.ok(files.includes('src/storage/make-folder.ts'), 'the code cache makes its folder private');
  });
});
