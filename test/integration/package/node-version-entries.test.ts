import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unsupportedNodeMessage } from '../../../src/node-version/index.js';
import { repo } from '../../helpers/packed-install.js';
import { AGENTMESH_ARGS, exportedSpecifiers, importProgram, runNode, installedProject } from '../../helpers/node-version-entries.js';

/*
 * Every entry point, on a Node.js agentmesh does not run on, says so in one
 * line and stops before any native module loads: the installed package's
 * `agentmesh` and `create-agentmesh`, each module it exports, and the
 * repository's `npm start`. The Node running here is 24: a preload plays an
 * older one (process.versions.node says 20.20.2) and reports every native
 * module that loads (process.dlopen). The same entry points on a real older
 * Node: older-node.test.ts, in the tools tier, where one is installed.
 */
const PRETEND = '20.20.2';
const PRELOAD = `
if (process.env.PRETEND_NODE) Object.defineProperty(process, 'versions', { value: { ...process.versions, node: process.env.PRETEND_NODE }, enumerable: true });
const dlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  process.stderr.write(\`native module loaded: \${filename}\\n\`);
  return dlopen.call(this, module, filename, ...rest);
};
`;

const expected = unsupportedNodeMessage({ versions: { node: PRETEND }, platform: process.platform, arch: process.arch, execPath: process.execPath })!;

describe('the entry points on a Node.js older than 24', () => {
  let work: string;
  let project: string;
  let preload: string;
  const env = { ...process.env, PRETEND_NODE: PRETEND };
  const run = (args: string[], cwd = project) => runNode(process.execPath, ['--import', preload, ...args], { cwd, env });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'agentmesh-node-version-'));
    preload = join(work, 'pretend-older-node.mjs');
    writeFileSync(preload, PRELOAD);
    project = await installedProject(work);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the preload does play Node 20 and does see a native module load', async () => {
    const played = await run(['-p', 'process.versions.node']);
    assert.equal(played.stdout.trim(), PRETEND);
    const sqlite = await runNode(process.execPath, ['--import', preload, '--input-type=module', '-e', "const { default: Database } = await import('better-sqlite3'); new Database(':memory:').close();"], { cwd: project, env: process.env });
    assert.equal(sqlite.code, 0, sqlite.stderr);
    assert.match(sqlite.stderr, /^native module loaded: .*\.node$/m);
  });

  test('agentmesh prints one error line saying which Node to get and how, and exits 1, whatever the command', async () => {
    const bin = join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js');
    for (const args of AGENTMESH_ARGS) {
      const result = await run([bin, ...args]);
      assert.deepEqual({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 1, stdout: '', stderr: `error: ${expected}\n` }, `agentmesh ${args.join(' ')}`);
    }
    assert.ok(!existsSync(join(project, '.agentmesh')), 'up wrote nothing');
  });

  test('create-agentmesh says the same and writes nothing', async () => {
    const result = await run([join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'create.js'), 'my-agent']);
    assert.deepEqual({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 1, stdout: '', stderr: `error: ${expected}\n` });
    assert.ok(!existsSync(join(project, 'my-agent')));
  });

  test('npm start (scripts/start.mjs) says the same before building anything', async () => {
    const result = await run([join(repo, 'scripts', 'start.mjs')], repo);
    assert.deepEqual({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 1, stdout: '', stderr: `error: ${expected}\n` });
  });

  test('importing any module the package exports fails with UnsupportedNodeError and the same words, loading no native module', async () => {
    const specifiers = exportedSpecifiers();
    const result = await run(['--input-type=module', '-e', importProgram(specifiers)]);
    assert.deepEqual({ code: result.code, stderr: result.stderr }, { code: 0, stderr: '' });
    assert.deepEqual(result.stdout.trimEnd().split('\n'), specifiers.map((specifier) => `${specifier} UnsupportedNodeError: ${expected}`));
  });
});
