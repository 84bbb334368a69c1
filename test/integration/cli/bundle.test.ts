import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Script } from 'node:vm';
import { buildCliBundle } from '../../../scripts/build-cli-bundle.mjs';
import { bundleServes } from '../../../src/cli/load-cli.js';
import { createRuntime, defineAgent, type Runtime } from '../../../src/runtime/index.js';
import { cli } from './cli-harness.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';
import { tempDirForSuite } from '../../helpers/suite-fixture.js';

/*
 * ADR 0016: the commands in BUNDLED_COMMANDS run from a CommonJS bundle
 * through V8's code cache. The bundle is built here from the sources, and run
 * in a child process as bin.ts runs it (code-cache.ts), against a live agent.
 */
const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

const echo = defineAgent({
  card: { name: 'echo', description: 'Answers what it is sent' },
  skills: { echo: { description: 'Echoes the text', handler: (text: string) => text } },
});

describe('the CLI bundle runs its commands through the code cache', () => {
  let bundle: string;
  let runtime: Runtime;
  let url: string;
  // The runtime stops before its data directory, in the suite's temporary one, is removed: after hooks run in order.
  after(() => runtime?.close());
  const work = tempDirForSuite('agentmesh-cli-bundle-');

  before(async () => {
    await buildCliBundle({ entry: join(repo, 'src/cli/bundle-entry.ts'), outDir: join(work(), 'out') });
    bundle = join(work(), 'out', 'bundle.cjs');
    // What bin.ts does once load-cli.ts chose the bundle.
    writeFileSync(
      join(work(), 'run.mjs'),
      `import { requireWithCodeCache } from ${JSON.stringify(join(repo, 'src/cli/launch/code-cache.ts'))};\n` +
        // CHDIR: here, once running: the process starts in the repository, as the other runs do.
        'if (process.env.CHDIR) process.chdir(process.env.CHDIR);\n' +
        'const { main } = requireWithCodeCache(process.env.BUNDLE, { cacheDir: process.env.CACHE, name: process.env.NAME });\n' +
        'await main(process.argv);\n' +
        'if (process.exitCode) process.exit();\n',
    );
    runtime = await createRuntime({ agents: [echo], config: { port: 0, host: '127.0.0.1', dataDir: join(work(), 'data'), logLevel: 'silent', grpcPort: 0 } });
    url = (await runtime.listen()).url;
  });

  /** Runs the bundle with `args`; the code cache lives in `cache`. */
  const bundled = async (args: string[], cache: string, name = 'send', chdir = '') => {
    try {
      const { stdout, stderr } = await run(process.execPath, [...TS_CHILD_ARGV, join(work(), 'run.mjs'), ...args], { env: { ...process.env, BUNDLE: bundle, CACHE: cache, NAME: name, CHDIR: chdir }, cwd: repo });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const cacheFiles = (cache: string) => readdirSync(cache).filter((f) => f.endsWith('.v8cache'));
  /**
   * What an attacker plants: bytecode V8 accepts for the bundle (V8 checks only
   * the source's length), compiled from other code of that length, which prints
   * `planted code ran`. Returns the file name `send` reads in a cache folder.
   */
  const plantedCache = () => {
    const source = readFileSync(bundle, 'utf8');
    const buildId = /^\/\/ agentmesh-build ([0-9a-f]+)\n/.exec(source)?.[1];
    // No function of its own but the wrapper, which V8 compiles eagerly: any other
    // would be compiled lazily, from the real source.
    const evil = "process.stdout.write('planted code ran\\n'); module.exports = { main: Boolean };";
    const head = '(function (exports, require, module, __filename, __dirname) { ';
    const script = new Script(`${head}${evil.padEnd(source.length, ' ')}\n})`, { filename: bundle });
    return { name: `cli-${buildId}-${process.version}-${process.arch}-send.v8cache`, bytes: script.createCachedData() };
  };

  test('sends a message and prints the completed task, as the ES modules do', async () => {
    const cache = join(work(), 'cache-send');
    const first = await bundled(['send', url, 'hello bundle', '--json'], cache);
    assert.equal(first.code, 0, first.stderr);
    const task = JSON.parse(first.stdout) as { status: { state: string }; artifacts: { parts: { text: string }[] }[] };
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.artifacts[0]?.parts[0]?.text, 'hello bundle');
    const human = await bundled(['send', url, 'hi'], cache);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^state {5}completed$/m);
    assert.match(human.stdout, /^artifact {2}result: hi$/m);
  });

  test('writes the code cache after the first run, private to the user, and reuses it untouched', async () => {
    const cache = join(work(), 'cache-reuse');
    assert.equal((await bundled(['send', url, 'one'], cache)).code, 0);
    const [file] = cacheFiles(cache);
    assert.ok(file, 'a cache file is written');
    assert.match(file, new RegExp(`^cli-[0-9a-f]{32}-${process.version}-${process.arch}-send\\.v8cache$`));
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    assert.equal(statSync(join(cache, file)).mode & 0o777, 0o600);
    const written = statSync(join(cache, file)).mtimeMs;
    const second = await bundled(['send', url, 'two'], cache);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /result: two/);
    assert.equal(statSync(join(cache, file)).mtimeMs, written, 'an accepted cache is not rewritten');
    assert.deepEqual(cacheFiles(cache), [file]);
  });

  test("writing a build's cache removes the cache files of other builds, and only those", async () => {
    const cache = join(work(), 'cache-prune');
    mkdirSync(cache, { mode: 0o700 });
    const oldBuild = `cli-${'0'.repeat(32)}-${process.version}-${process.arch}-send.v8cache`;
    const otherNode = `cli-${'1'.repeat(32)}-v18.0.0-${process.arch}-help.v8cache`;
    for (const name of [oldBuild, otherNode, 'unrelated.json']) writeFileSync(join(cache, name), 'x', { mode: 0o600 });
    assert.equal((await bundled(['send', url, 'one'], cache)).code, 0);
    const left = readdirSync(cache).sort();
    assert.equal(left.length, 2, left.join(', '));
    assert.ok(left.includes('unrelated.json'), 'files that are not code caches stay');
    assert.match(left.find((f) => f.endsWith('.v8cache'))!, new RegExp(`^cli-[0-9a-f]{32}-${process.version}-${process.arch}-send\\.v8cache$`));
  });

  test('a cache V8 refuses is ignored and written anew', async () => {
    const cache = join(work(), 'cache-bad');
    assert.equal((await bundled(['send', url, 'one'], cache)).code, 0);
    const [file] = cacheFiles(cache);
    writeFileSync(join(cache, file!), 'not bytecode');
    const after = await bundled(['send', url, 'two'], cache);
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /result: two/);
    assert.ok(statSync(join(cache, file!)).size > 1000, 'the refused cache was replaced');
  });

  test('an unwritable cache folder costs nothing but the cache', async () => {
    const blocked = join(work(), 'not-a-folder');
    writeFileSync(blocked, '');
    const result = await bundled(['send', url, 'hi'], join(blocked, 'cache'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /result: hi/);
  });

  test('a planted cache in a trusted folder is code that runs (what the checks below guard)', async () => {
    const cache = join(work(), 'cache-planted-trusted');
    mkdirSync(cache, { mode: 0o700 });
    const planted = plantedCache();
    writeFileSync(join(cache, planted.name), planted.bytes, { mode: 0o600 });
    const result = await bundled(['send', url, 'hi'], cache);
    assert.match(result.stdout, /planted code ran/, 'the planted bytecode is accepted by V8, so the tests below can fail');
  });

  test('a group- or other-writable cache folder is neither read nor written', async () => {
    for (const mode of [0o770, 0o707]) {
      const cache = join(work(), `cache-writable-${mode.toString(8)}`);
      mkdirSync(cache);
      chmodSync(cache, mode);
      const planted = plantedCache();
      writeFileSync(join(cache, planted.name), planted.bytes, { mode: 0o600 });
      const result = await bundled(['send', url, 'hi'], cache);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /planted code ran/);
      assert.match(result.stdout, /result: hi/);
      assert.deepEqual(readdirSync(cache), [planted.name], 'nothing is written into it');
      assert.deepEqual(readFileSync(join(cache, planted.name)), planted.bytes);
    }
  });

  test('a cache folder that is a symlink is not used, even to a private folder', async () => {
    const real = join(work(), 'cache-symlink-target');
    mkdirSync(real, { mode: 0o700 });
    const planted = plantedCache();
    writeFileSync(join(real, planted.name), planted.bytes, { mode: 0o600 });
    const cache = join(work(), 'cache-symlink');
    symlinkSync(real, cache);
    const result = await bundled(['send', url, 'hi'], cache);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /planted code ran/);
    assert.deepEqual(readdirSync(real), [planted.name], 'nothing is written through it');
  });

  test('a cache file that is a symlink is not followed: not read, and replaced by the write', async () => {
    const cache = join(work(), 'cache-file-symlink');
    mkdirSync(cache, { mode: 0o700 });
    const planted = plantedCache();
    const target = join(work(), 'planted-elsewhere.v8cache');
    writeFileSync(target, planted.bytes, { mode: 0o600 });
    symlinkSync(target, join(cache, planted.name));
    const result = await bundled(['send', url, 'hi'], cache);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /planted code ran/);
    assert.ok(lstatSync(join(cache, planted.name)).isFile(), 'the symlink is replaced by a cache file of our own');
    assert.deepEqual(readFileSync(target), planted.bytes, 'the symlink target is not written');
  });

  test('a group-writable cache file is not read', async () => {
    const cache = join(work(), 'cache-file-writable');
    mkdirSync(cache, { mode: 0o700 });
    const planted = plantedCache();
    writeFileSync(join(cache, planted.name), planted.bytes);
    chmodSync(join(cache, planted.name), 0o620);
    const result = await bundled(['send', url, 'hi'], cache);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /planted code ran/);
    assert.equal(statSync(join(cache, planted.name)).mode & 0o777, 0o600, 'it is replaced by one of our own');
  });

  test('a cache file another user owns is not read', { skip: process.geteuid?.() !== 0 && 'changing a file\'s owner needs root' }, async () => {
    const cache = join(work(), 'cache-file-foreign');
    mkdirSync(cache, { mode: 0o700 });
    const planted = plantedCache();
    writeFileSync(join(cache, planted.name), planted.bytes, { mode: 0o600 });
    chownSync(join(cache, planted.name), 65534, 65534);
    const result = await bundled(['send', url, 'hi'], cache);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /planted code ran/);
  });

  test('a cache folder another user owns is neither read nor written', { skip: process.geteuid?.() !== 0 && 'changing a folder\'s owner needs root' }, async () => {
    const cache = join(work(), 'cache-folder-foreign');
    mkdirSync(cache, { mode: 0o700 });
    const planted = plantedCache();
    writeFileSync(join(cache, planted.name), planted.bytes, { mode: 0o600 });
    chownSync(cache, 65534, 65534);
    const result = await bundled(['send', url, 'hi'], cache);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /planted code ran/);
    assert.deepEqual(readdirSync(cache), [planted.name]);
  });

  test('a relative cache path is ignored', async () => {
    const cwd = join(work(), 'cwd-relative');
    mkdirSync(cwd);
    const result = await bundled(['send', url, 'hi'], 'relative-cache', 'send', cwd);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(cwd), [], 'no cache folder is made under the working directory');
  });

  test('speaks gRPC through the second bundle file', async () => {
    const result = await bundled(['send', url, 'over grpc', '--binding', 'grpc', '--json'], join(work(), 'cache-grpc'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { artifacts: { parts: { text: string }[] }[] }).artifacts[0]?.parts[0]?.text, 'over grpc');
  });

  test('gets a task with `tasks get`', async () => {
    const sent = JSON.parse((await bundled(['send', url, 'keep', '--json'], join(work(), 'cache-tasks'))).stdout) as { id: string };
    const got = await bundled(['tasks', 'get', url, sent.id, '--json'], join(work(), 'cache-tasks'), 'tasks');
    assert.equal(got.code, 0, got.stderr);
    assert.equal((JSON.parse(got.stdout) as { id: string }).id, sent.id);
  });

  test('prints the same --help and send --help as the ES modules', async () => {
    for (const args of [['--help'], ['send', '--help'], ['help', 'tasks']]) {
      const fromBundle = await bundled(args, join(work(), 'cache-help'), 'help');
      const inProcess = await cli(args);
      assert.equal(fromBundle.code, inProcess.code, args.join(' '));
      assert.equal(fromBundle.stdout, inProcess.stdout, args.join(' '));
    }
  });

  test('reports a failed command with the usual error line and exit code', async () => {
    const result = await bundled(['send', 'http://127.0.0.1:9/agents/none', 'hi'], join(work(), 'cache-error'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: /m);
  });
});

describe('bin.ts runs from the bundle only what it holds', () => {
  test('send, tasks, help and version are served by the bundle', () => {
    for (const args of [['send', 'http://a', 'hi'], ['tasks', 'get', 'http://a', 'x'], ['--help'], ['--version'], ['help', 'send'], ['send', '--help'], []]) {
      assert.equal(bundleServes(args), true, args.join(' '));
    }
  });

  test('every other command, or help for one, loads the ES modules', () => {
    for (const args of [['up'], ['serve', 'gateway'], ['help', 'up'], ['agents', 'search', 'x'], ['completion', 'bash'], ['no-such-command']]) {
      assert.equal(bundleServes(args), false, args.join(' '));
    }
  });
});
