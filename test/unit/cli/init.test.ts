import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineAgent } from '../../../src/contracts/agent/define-agent.js';
import { runCli } from '../../../src/cli/program.js';

/*
 * `agentmesh init` in-process. What the written project does
 * (install, npm test, serve) is test/integration/cli/init-scaffold.test.ts.
 */
const work = mkdtempSync(join(tmpdir(), 'agentmesh-init-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function init(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['init', ...args], { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {} });
  return { code, out: out.join(''), err: err.join('') };
}

const read = (...path: string[]) => readFileSync(join(work, ...path), 'utf8');

describe('agentmesh init', () => {
  test('writes the template with the name put in everywhere, and a package.json that builds, tests and serves', async () => {
    const { code, out } = await init(join(work, 'lead-bot'));
    assert.equal(code, 0, out);
    assert.match(read('lead-bot', 'src', 'agent.ts'), /card: \{\n\s+name: 'lead-bot',/);
    assert.doesNotMatch(read('lead-bot', 'README.md') + read('lead-bot', 'Dockerfile'), /my-agent/);
    assert.match(read('lead-bot', '.gitignore'), /^node_modules\/$/m);
    assert.match(read('lead-bot', '.dockerignore'), /^node_modules\/$/m);
    const pkg = JSON.parse(read('lead-bot', 'package.json')) as { name: string; type: string; scripts: Record<string, string>; dependencies: Record<string, string> };
    assert.equal(pkg.type, 'module');
    assert.deepEqual(Object.keys(pkg.scripts).filter((s) => !s.startsWith('pre')), ['build', 'test', 'start']);
    assert.equal(pkg.scripts['start'], 'agentmesh agent serve ./dist/src/agent.js');
    // Like agentmesh's own install, the project's skips better-sqlite3's pointless node-gyp run (it needs python3 and make).
    assert.deepEqual((pkg as unknown as { allowScripts: Record<string, boolean> }).allowScripts, { 'better-sqlite3': false, protobufjs: false });
    // The default spec is the agentmesh this code runs from: this checkout.
    assert.equal(pkg.dependencies['agentmesh'], `file:${new URL('../../../', import.meta.url).pathname.replace(/\/$/, '')}`);
  });

  test('--name names the agent apart from its folder; npm gets the name in lower case', async () => {
    const { code, err } = await init(join(work, 'folder'), '--name', 'Lead_Bot');
    assert.equal(code, 0);
    assert.match(read('folder', 'src', 'agent.ts'), /name: 'Lead_Bot'/);
    assert.equal((JSON.parse(read('folder', 'package.json')) as { name: string }).name, 'lead_bot');
    assert.match(err, /a registry accepts lowercase letters, digits and dashes only: "Lead_Bot"/);
  });

  test('--agentmesh: a local path becomes an absolute file: spec, a git URL or version is kept', async () => {
    await init(join(work, 'tarball'), '--agentmesh', './vendor/agentmesh-0.1.0.tgz');
    assert.equal((JSON.parse(read('tarball', 'package.json')) as { dependencies: Record<string, string> }).dependencies['agentmesh'], `file:${join(process.cwd(), 'vendor', 'agentmesh-0.1.0.tgz')}`);
    await init(join(work, 'git'), '--agentmesh', 'git+https://example.com/agentmesh.git#v0.1.0');
    assert.equal((JSON.parse(read('git', 'package.json')) as { dependencies: Record<string, string> }).dependencies['agentmesh'], 'git+https://example.com/agentmesh.git#v0.1.0');
  });

  test('refuses a folder that is not empty (exit 2, nothing written) unless --force', async () => {
    mkdirSync(join(work, 'taken'));
    writeFileSync(join(work, 'taken', 'notes.txt'), 'mine');
    const refused = await init(join(work, 'taken'));
    assert.equal(refused.code, 2);
    assert.match(refused.err, /taken is not empty \(notes\.txt\): choose a new folder, or add --force/);
    assert.throws(() => read('taken', 'package.json'), /ENOENT/);
    const forced = await init(join(work, 'taken'), '--force');
    assert.equal(forced.code, 0);
    assert.equal(read('taken', 'notes.txt'), 'mine');
    assert.match(read('taken', 'src', 'agent.ts'), /name: 'taken'/);
  });

  test("accepts exactly the names defineAgent accepts as card.name (exit 2 for the others)", async () => {
    for (const name of ['a', 'A-1_b', '9lives', 'x'.repeat(63), '-lead', '_x', 'x'.repeat(64), 'lead bot', 'lead.bot', 'élan', '']) {
      const accepted = (() => {
        try {
          defineAgent({ card: { name, description: 'd' }, skills: { s: { description: 'd', handler: () => 'ok' } } });
          return true;
        } catch {
          return false;
        }
      })();
      const { code, err } = await init(join(work, `name-${accepted}-${Math.random().toString(36).slice(2)}`), '--name', name);
      assert.equal(code, accepted ? 0 : 2, `${JSON.stringify(name)}: ${err}`);
      if (!accepted) assert.match(err, /the agent name must be 1-63 letters, digits, '-' or '_'/);
    }
  });
});
