// test-tier: tools (needs older-node)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { unsupportedNodeMessage } from '../../../src/node-version/index.js';
import { repo } from '../../helpers/packed-install.js';
import { AGENTMESH_ARGS, exportedSpecifiers, importProgram, runNode, installedProject } from '../../helpers/node-version-entries.js';

/*
 * The entry points on a real Node.js older than 24: the system's (Debian's
 * nodejs package; OLD_NODE names another). On Node 20 `agentmesh up` used to
 * die with a bare segmentation fault in the native SQLite module, and a
 * fresh clone's `npm install` warned and installed anyway. Now each entry
 * point says in one line which Node to get and how, and `npm install` (with
 * the npm beside that Node) stops before installing anything.
 * node-version-entries.test.ts runs the same entry points on Node 24 playing
 * an older one, so `npm test` holds them on a machine with Node alone.
 */
const older = process.env['OLD_NODE'] ?? '/usr/bin/node';

describe(`the entry points on the system's older Node.js (${older})`, () => {
  let work: string;
  let project: string;
  let expected: string;

  before(async () => {
    assert.ok(existsSync(older), `no Node.js at ${older}: install Debian's nodejs, or set OLD_NODE to a Node older than 24`);
    const version = execFileSync(older, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    assert.ok(Number.parseInt(version, 10) < 24, `${older} is Node.js ${version}, not older than 24: set OLD_NODE to an older one`);
    expected = unsupportedNodeMessage({ versions: { node: version }, platform: process.platform, arch: process.arch, execPath: older })!;
    work = mkdtempSync(join(tmpdir(), 'agentmesh-older-node-'));
    project = await installedProject(work);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A clone as far as npm reads it before installing: its manifest, lockfile and .npmrc. */
  const freshClone = (name: string): string => {
    const clone = join(work, name);
    mkdirSync(clone);
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(repo, file), join(clone, file));
    return clone;
  };

  test('agentmesh prints one error line and exits 1, whatever the command; up no longer crashes', async () => {
    const bin = join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'bin.js');
    for (const args of AGENTMESH_ARGS) {
      const result = await runNode(older, [bin, ...args], { cwd: project });
      assert.deepEqual({ code: result.code, signal: result.signal, stdout: result.stdout, stderr: result.stderr }, { code: 1, signal: null, stdout: '', stderr: `error: ${expected}\n` }, `agentmesh ${args.join(' ')}`);
    }
  });

  test('create-agentmesh says the same and writes nothing', async () => {
    const result = await runNode(older, [join(project, 'node_modules', 'agentmesh', 'dist', 'src', 'cli', 'create.js'), 'my-agent'], { cwd: project });
    assert.deepEqual({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 1, stdout: '', stderr: `error: ${expected}\n` });
    assert.ok(!existsSync(join(project, 'my-agent')));
  });

  test('npm start (scripts/start.mjs) says the same before building anything', async () => {
    const result = await runNode(older, [join(repo, 'scripts', 'start.mjs')], { cwd: repo });
    assert.deepEqual({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 1, stdout: '', stderr: `error: ${expected}\n` });
  });

  test('importing any module the package exports fails with UnsupportedNodeError and the same words', async () => {
    const specifiers = exportedSpecifiers();
    const result = await runNode(older, ['--input-type=module', '-e', importProgram(specifiers)], { cwd: project });
    assert.deepEqual({ code: result.code, stderr: result.stderr }, { code: 0, stderr: '' });
    assert.deepEqual(result.stdout.trimEnd().split('\n'), specifiers.map((specifier) => `${specifier} UnsupportedNodeError: ${expected}`));
  });

  test("a fresh clone's npm install stops at once, saying agentmesh needs Node 24, and installs nothing", async () => {
    const npm = join(dirname(older), 'npm');
    assert.ok(existsSync(npm), `no npm beside ${older}`);
    const clone = freshClone('clone');
    // The older Node first on the PATH, as on a machine whose only Node it is (npm's `#!/usr/bin/env node` finds it).
    const env = { ...process.env, PATH: `${dirname(older)}${delimiter}${process.env['PATH'] ?? ''}`, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    const result = await runNode(older, [npm, 'install'], { cwd: clone, env });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /EBADENGINE/);
    assert.match(result.stderr, /Not compatible with your version of node\/npm: agentmesh@/);
    assert.match(result.stderr, /Required: \{"node":">=24"\}/);
    assert.ok(!existsSync(join(clone, 'node_modules')), 'nothing installed');
  });
  /*
   * npx in a clone installs the clone's own package into its cache before it
   * runs the bin, and the clone's .npmrc (engine-strict) makes npm refuse it
   * there: a newcomer who tries `npx agentmesh --help` first reads npm's
   * block, not the entry point's line. The README shows that block; this
   * holds it to what npm prints.
   */
  test("npx agentmesh in a fresh clone stops with npm's EBADENGINE block, as the README shows it", async () => {
    const npx = join(dirname(older), 'npx');
    assert.ok(existsSync(npx), `no npx beside ${older}`);
    const clone = freshClone('npx-clone');
    // A cache of its own: one where a Node 24 npx already put the clone would run its bin instead.
    const env = { ...process.env, PATH: `${dirname(older)}${delimiter}${process.env['PATH'] ?? ''}`, npm_config_cache: join(work, 'npx-cache'), npm_config_update_notifier: 'false', npm_config_offline: 'true' };
    const result = await runNode(older, [npx, 'agentmesh', '--help'], { cwd: clone, env });
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const shown = /\n```\n(npm error code EBADENGINE\n(?:npm error .*\n)+)```\n/.exec(readme)?.[1];
    assert.ok(shown, "the README's Quickstart shows npm's block");
    const printed = result.stderr.split('\n').filter((line) => line.startsWith('npm error') && !line.includes('A complete log of this run'));
    // The versions are this machine's; the rest is npm's words, as the README quotes them.
    const versions = (line: string) => line.replace(/"node":"v[^"]+","npm":"[^"]+"/, '"node":"…","npm":"…"').replace(/agentmesh@\S+/, 'agentmesh@…');
    assert.deepEqual(printed.map(versions), shown.trimEnd().split('\n').map(versions));
  });
});
