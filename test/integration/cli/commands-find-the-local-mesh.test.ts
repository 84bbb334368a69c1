/**
 * The gateway and registry commands reach a local `agentmesh up` where it
 * recorded that it listens (`<data dir>/endpoints.json`), on whatever ports
 * it took; a flag or a variable still wins; a record someone else could have
 * written is not read; and a role that cannot be reached is reported with
 * the URL tried, where it came from and how to give another.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { ADMIN_TOKEN, startIdentity, type IdentityFixture } from '../gateway/identity-fixture.js';
import { cli } from './cli-harness.js';

/** Nothing listens on port 1 of this host: a mesh that has stopped. */
const GONE = 'http://127.0.0.1:1';

describe('the commands find the local mesh where up recorded it', () => {
  let gateway: IdentityFixture;
  let gatewayUrl: string;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let root: string;

  /** A data dir as `up` leaves it: private, with its admin token and `endpoints`. */
  function dataDir(name: string, endpoints: Record<string, string> | string, mode = 0o700): string {
    const dir = join(root, name);
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'gateway-admin-token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'endpoints.json'), typeof endpoints === 'string' ? endpoints : JSON.stringify(endpoints), { mode: 0o600 });
    chmodSync(dir, mode);
    return dir;
  }

  /** A fetch for the built-in defaults (localhost:4100, :4200, where a mesh of this host may well run): records the URL, reaches nothing. */
  function unreachable(tried: string[]): typeof fetch {
    return async (input) => {
      tried.push(input instanceof Request ? input.url : String(input));
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
  }

  before(async () => {
    gateway = await startIdentity();
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    gatewayUrl = `http://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}`;
    registry = await startRegistry({});
    root = mkdtempSync(join(tmpdir(), 'agentmesh-local-mesh-'));
  });

  after(async () => {
    await gateway?.close();
    await registry?.close();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  test('gateway and registry commands given no URL use the recorded ones, with the admin token beside them', async () => {
    const env = { AGENTMESH_DATA_DIR: dataDir('moved', { gateway: gatewayUrl, registry: registry.url }) };
    const clients = await cli(['clients', 'list', '--json'], { env });
    assert.equal(clients.code, 0, clients.stderr);
    assert.deepEqual(JSON.parse(clients.stdout).clients, []);
    const agents = await cli(['agents', 'list', '--json'], { env });
    assert.equal(agents.code, 0, agents.stderr);
    assert.ok(Array.isArray(JSON.parse(agents.stdout).agents), agents.stdout);
  });

  test("an agent's name where send wants a URL is answered with its URL through the recorded gateway", async () => {
    const run = await cli(['send', 'testr', 'hello'], { env: { AGENTMESH_DATA_DIR: dataDir('named', { gateway: gatewayUrl, registry: registry.url }) } });
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, new RegExp(`^hint: an agent is named by its URL: through the gateway, ${gatewayUrl}/agents/testr;`, 'm'));
  });

  test('a flag, then a variable, wins over the record; an unreachable URL from a variable says so', async () => {
    const dir = dataDir('overridden', { gateway: GONE, registry: GONE });
    const flagged = await cli(['clients', 'list', '--json', '--gateway', gatewayUrl], { env: { AGENTMESH_DATA_DIR: dir, AGENTMESH_GATEWAY: GONE } });
    assert.equal(flagged.code, 0, flagged.stderr);
    const fromVariable = await cli(['agents', 'list'], { env: { AGENTMESH_DATA_DIR: dir, AGENTMESH_REGISTRY: registry.url } });
    assert.equal(fromVariable.code, 0, fromVariable.stderr);
    const gone = await cli(['clients', 'list'], { env: { AGENTMESH_DATA_DIR: dir, AGENTMESH_GATEWAY: `${GONE}/` } });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^error: cannot reach the gateway at http:\/\/127\.0\.0\.1:1: .* \(from AGENTMESH_GATEWAY; --gateway <url> overrides it\)\n$/);
    const given = await cli(['clients', 'list', '--gateway', GONE], { env: { AGENTMESH_DATA_DIR: dir } });
    assert.match(given.stderr, /^error: cannot reach the gateway at http:\/\/127\.0\.0\.1:1: [^(]*\(ECONNREFUSED\)\n$/, 'a URL given on the command line needs no explaining');
  });

  test("a mesh that stopped without removing its record: the error names the record and what to do", async () => {
    const dir = dataDir('stopped', { gateway: GONE, registry: GONE });
    for (const argv of [['credits', 'balance', 'demo'], ['token', '--client-id', 'amc_x', '--client-secret', 'y'], ['approvals', 'list']]) {
      const run = await cli(argv, { env: { AGENTMESH_DATA_DIR: dir } });
      assert.equal(run.code, 1, `${argv.join(' ')}: ${run.stdout}`);
      assert.equal(
        run.stderr.replace(/: connection refused \(ECONNREFUSED\)/, ': <refused>'),
        `error: cannot reach the gateway at ${GONE}: <refused> (where agentmesh up said it listens, in ${dir}/endpoints.json: is that mesh still running? Else give --gateway <url> or set AGENTMESH_GATEWAY)\n`,
        argv.join(' '),
      );
    }
    const route = await cli(['route', 'score leads'], { env: { AGENTMESH_DATA_DIR: dir } });
    assert.equal(route.code, 1, route.stdout);
    assert.match(route.stderr, new RegExp(`^error: cannot reach the registry at ${GONE}.*\\(where agentmesh up said it listens, in ${dir}/endpoints\\.json: is that mesh still running\\? Else give --registry <url> or set AGENTMESH_REGISTRY\\)\\n$`));
    const workflow = await cli(['workflow', 'list'], { env: { AGENTMESH_DATA_DIR: dir, AGENTMESH_TOKEN: 'a-token' } });
    assert.equal(workflow.code, 1, workflow.stdout);
    assert.match(workflow.stderr, /\(where agentmesh up said it listens, in .*endpoints\.json: is that mesh still running\? Else give --gateway <url> or set AGENTMESH_GATEWAY\)\n$/);
  });

  test('with no record, the default is tried and the error says it was the default and how to point elsewhere', async () => {
    const tried: string[] = [];
    const run = await cli(['agents', 'list'], { env: { AGENTMESH_DATA_DIR: join(root, 'never-made') }, fetchImpl: unreachable(tried) });
    assert.equal(run.code, 1);
    assert.deepEqual([...new Set(tried.map((url) => new URL(url).origin))], ['http://localhost:4100']);
    assert.match(run.stderr, /^error: cannot reach the registry at http:\/\/localhost:4100: .* \(the default registry URL: is agentmesh up running in this folder\? Else give --registry <url> or set AGENTMESH_REGISTRY\)\n$/);
  });

  test('a record in a folder other users can write, or one that is not a URL, is not read', async () => {
    const planted = dataDir('shared', { gateway: gatewayUrl, registry: registry.url }, 0o777);
    const garbled = dataDir('garbled', '{"gateway": "file:///etc/passwd", "registry": 7');
    for (const dir of [planted, garbled]) {
      const tried: string[] = [];
      const run = await cli(['clients', 'list'], { env: { AGENTMESH_DATA_DIR: dir }, fetchImpl: unreachable(tried) });
      assert.equal(run.code, 1, run.stdout);
      assert.deepEqual([...new Set(tried.map((url) => new URL(url).origin))], ['http://localhost:4200'], dir);
      assert.match(run.stderr, /\(the default gateway URL: /);
    }
  });
});
