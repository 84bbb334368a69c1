/**
 * A CLI a test runs, in the test's process or as a child, never reads the
 * developer's own mesh: not the `./.agentmesh` an `npm start` left in the
 * clone (the tests' working directory), nor agentmesh's variables exported
 * in the shell that ran `npm test`. Here the decoys hold the real admin token
 * of a real gateway, so a CLI that read any of them would succeed where it
 * must be refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { clientsCommand } from '../../../src/cli/commands/clients/clients.js';
import { spawnCli } from '../../helpers/child-output.js';
import { AGENTMESH_VARIABLE, isolatedChildEnv } from '../../helpers/isolated-cli-env.js';
import { agentmesh } from '../e2e/mesh-process.js';
import { ADMIN_TOKEN, startIdentity, type IdentityFixture } from '../gateway/identity-fixture.js';
import { cli, runCommand } from './cli-harness.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const REFUSED = /^error: this call needs a bearer token \(or X-API-Key\) with the gateway:admin scope/;

describe("a CLI under test never reads the developer's own mesh", () => {
  let f: IdentityFixture;
  let url: string;
  let decoy: string;
  const cwd = process.cwd();
  const polluted = ['GATEWAY_ADMIN_TOKEN', 'AGENTMESH_DATA_DIR', 'AGENTMESH_GATEWAY', 'AGENTMESH_CLIENT_ID', 'AGENTMESH_CLIENT_SECRET', 'AGENTMESH_TOKEN'] as const;
  const saved = new Map(polluted.map((name) => [name, process.env[name]]));

  before(async () => {
    f = await startIdentity();
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(f.app.server.address() as { port: number }).port}`;
    // What `npm start` leaves in the clone: ./.agentmesh with the mesh's admin token.
    decoy = mkdtempSync(join(tmpdir(), 'agentmesh-decoy-clone-'));
    mkdirSync(join(decoy, '.agentmesh'), { mode: 0o700 });
    writeFileSync(join(decoy, '.agentmesh', 'gateway-admin-token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(decoy, '.agentmesh', 'endpoints.json'), `${JSON.stringify({ gateway: url })}\n`, { mode: 0o600 });
    process.chdir(decoy);
    // What the developer exported in the shell that ran the tests.
    Object.assign(process.env, {
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      AGENTMESH_DATA_DIR: join(decoy, '.agentmesh'),
      AGENTMESH_GATEWAY: url,
      AGENTMESH_CLIENT_ID: 'amc_developers0000000000',
      AGENTMESH_CLIENT_SECRET: 'amcs_the-developers-own',
      AGENTMESH_TOKEN: 'the-developers-token',
    });
  });

  after(async () => {
    process.chdir(cwd);
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await f?.close();
    if (decoy !== undefined) rmSync(decoy, { recursive: true, force: true });
  });

  test("in the test's process, the working directory's ./.agentmesh is not read", async () => {
    const built = await runCommand((ctx) => new Command('agentmesh').addCommand(clientsCommand(ctx)), ['clients', 'list'], { AGENTMESH_GATEWAY: url });
    assert.equal(built.code, 1, built.stdout);
    assert.match(built.stderr, REFUSED);
    const whole = await cli(['clients', 'list', '--gateway', url]);
    assert.equal(whole.code, 1, whole.stdout);
    assert.match(whole.stderr, REFUSED);
  });

  test("a CLI started as a process inherits none of agentmesh's variables from the developer's shell", async () => {
    const child = spawnCli(['clients', 'list', '--gateway', url]);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, stderr);
    assert.match(stderr, REFUSED);
    const [listed, token] = await Promise.all([agentmesh(['clients', 'list', '--gateway', url]), agentmesh(['token', '--gateway', url])]);
    assert.equal(listed.code, 1, listed.stdout);
    assert.match(listed.stderr, REFUSED);
    assert.equal(token.code, 2, token.stdout);
    assert.match(token.stderr, /^error: give --client-id \(or set AGENTMESH_CLIENT_ID\)/);
  });

  test('every variable the configuration reference and the CLI guide list is kept from a CLI under test', () => {
    const listed = new Set<string>();
    for (const doc of ['docs/configuration.md', 'docs/cli.md']) {
      for (const [, name] of readFileSync(join(ROOT, doc), 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)) listed.add(name!);
    }
    // The system's own, and the tests' seed of the tenant-isolation property test.
    for (const name of ['PATH', 'HOME', 'ISOLATION_SEED']) listed.delete(name);
    assert.ok(listed.size > 80, `${listed.size} variables found in the docs' tables`);
    const kept = [...listed].filter((name) => !AGENTMESH_VARIABLE.test(name));
    assert.deepEqual(kept, [], 'variables agentmesh reads that a CLI under test would inherit');
    const env = isolatedChildEnv();
    assert.deepEqual(polluted.filter((name) => name !== 'AGENTMESH_DATA_DIR' && env[name] !== undefined), []);
    assert.notEqual(env['AGENTMESH_DATA_DIR'], join(decoy, '.agentmesh'));
  });
});
