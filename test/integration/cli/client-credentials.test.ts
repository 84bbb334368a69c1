import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_SCOPE } from '../../../src/gateway/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';
import { cli } from './cli-harness.js';

/*
 * Every agent-facing command authenticates the same
 * way. With no token given, AGENTMESH_CLIENT_ID / AGENTMESH_CLIENT_SECRET are
 * exchanged at the token URL the agent's card names, the token is cached
 * (0600) until a minute before it expires, and a refused cached token is
 * dropped. A call refused for want of a token says 401 and what to do.
 */
describe('the CLI authenticates agent commands with the client credentials of the environment', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let client: { clientId: string; clientSecret: string };
  let cacheDir: string;
  let agentUrl: string;
  before(async () => {
    mesh = await startGatewayMesh();
    client = await createClient(mesh.gw.url, { name: 'cli-user', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] });
    agentUrl = `${mesh.gw.url}/agents/tester`;
  });
  after(async () => mesh?.close());

  const env = (overrides: Record<string, string> = {}) => ({ AGENTMESH_CLIENT_ID: client.clientId, AGENTMESH_CLIENT_SECRET: client.clientSecret, AGENTMESH_CACHE_DIR: cacheDir, ...overrides });
  const cached = () => readdirSync(cacheDir).filter((f) => f.endsWith('.json'));

  test('without any credential, the refusal says 401 and how to get a token', async () => {
    const run = await cli(['send', agentUrl, 'hello'], { env: {} });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /401/);
    assert.match(run.stderr, /AGENTMESH_CLIENT_ID|agentmesh token/);
  });

  test('send gets a token with the client credentials, caches it 0600, and a second command reuses it', async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'agentmesh-token-cache-'));
    const first = await cli(['send', agentUrl, 'hello', '--json'], { env: env() });
    assert.equal(first.code, 0, first.stderr);
    const taskId = (JSON.parse(first.stdout) as { id: string }).id;
    assert.equal(cached().length, 1);
    const file = join(cacheDir, cached()[0]!);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(client.clientSecret), 'the secret is never cached');
    // A wrong secret now: only the cached token can make this work.
    const second = await cli(['tasks', 'get', agentUrl, taskId], { env: env({ AGENTMESH_CLIENT_SECRET: 'not-the-secret' }) });
    assert.equal(second.code, 0, second.stderr);
  });

  test('a cached token the gateway refuses is dropped; the next command gets a new one', async () => {
    const file = join(cacheDir, cached()[0]!);
    writeFileSync(file, JSON.stringify({ token: 'revoked-or-forged', expiresAt: Date.now() + 3_600_000 }), { mode: 0o600 });
    const refused = await cli(['send', agentUrl, 'hello'], { env: env() });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /401/);
    assert.deepEqual(cached(), []);
    const again = await cli(['send', agentUrl, 'hello'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
  });

  test('a token about to expire is not used: a new one is fetched', async () => {
    const file = join(cacheDir, cached()[0]!);
    writeFileSync(file, JSON.stringify({ token: 'about-to-expire', expiresAt: Date.now() + 30_000 }), { mode: 0o600 });
    const run = await cli(['send', agentUrl, 'hello'], { env: env() });
    assert.equal(run.code, 0, run.stderr);
    assert.notEqual((JSON.parse(readFileSync(file, 'utf8')) as { token: string }).token, 'about-to-expire');
  });

  /*
   * A token left in the environment (an hour old, from another gateway) wins
   * over the client credentials set beside it. Refused, it used to end in a
   * hint to set the credentials, which were set.
   */
  test('a refused AGENTMESH_TOKEN with client credentials set: the command says so once and goes on with the credentials', async () => {
    const run = await cli(['send', agentUrl, 'hello', '--json'], { env: env({ AGENTMESH_TOKEN: 'stale-token', AGENTMESH_TOKEN_CACHE: '0' }) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { status: { state: string } }).status.state, 'TASK_STATE_COMPLETED');
    assert.equal(run.stderr, 'note: the agent refused the token in AGENTMESH_TOKEN (HTTP 401); using the client credentials of AGENTMESH_CLIENT_ID instead (unset AGENTMESH_TOKEN to skip it)\n');
  });

  test('a refused --token is not second-guessed: the hint says it was sent instead of the credentials, and how to use them', async () => {
    const run = await cli(['send', agentUrl, 'hello', '--token', 'stale-token'], { env: env({ AGENTMESH_TOKEN_CACHE: '0' }) });
    assert.equal(run.code, 1);
    assert.doesNotMatch(run.stderr, /^note:/m);
    assert.match(run.stderr, /\(HTTP 401 UNAUTHENTICATED\)\nhint: a token given with --token is sent instead of the client credentials of AGENTMESH_CLIENT_ID and AGENTMESH_CLIENT_SECRET \(drop it to use them\)/);
  });

  test('a refused AGENTMESH_TOKEN without client credentials: the hint names it and says to get a new one or unset it', async () => {
    const run = await cli(['send', agentUrl, 'hello'], { env: { AGENTMESH_TOKEN: 'stale-token' } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\nhint: the token in AGENTMESH_TOKEN \(or --token\) was refused \(expired, or from another gateway\): get a new one with agentmesh token, or unset AGENTMESH_TOKEN and set AGENTMESH_CLIENT_ID and AGENTMESH_CLIENT_SECRET/);
  });

  test("an agent the gateway does not know: the gateway's own reason is quoted, and where to see the agents there are", async () => {
    const run = await cli(['send', `${mesh.gw.url}/agents/nobody`, 'hello'], { env: { AGENTMESH_REGISTRY: mesh.registry.url } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /HTTP 404: No agent named "nobody"/);
    assert.match(run.stderr, /\nhint: agentmesh agents list shows the registered agents\n$/);
  });

  test('a mistyped agent name at the gateway: the names near it its caller may see, with their URLs, or the registry\'s without a token', async () => {
    // The gateway lists the agents its caller may see to a caller that may read the console (agentmesh up's demo client may).
    const reader = await createClient(mesh.gw.url, { name: 'cli-console-reader', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', CONSOLE_SCOPE] });
    const token = await fetchToken(mesh.gw.url, reader);
    const hint = `hint: did you mean tester (${mesh.gw.url}/agents/tester)? agentmesh agents list shows the registered agents\n`;
    for (const argv of [['send', `${mesh.gw.url}/agents/testr`, 'hello', '--token', token], ['tasks', 'list', `${mesh.gw.url}/agents/tseter`, '--token', token]]) {
      const run = await cli(argv, { env: {} });
      assert.equal(run.code, 1, argv.join(' '));
      assert.ok(run.stderr.endsWith(hint), run.stderr);
    }
    // No token to ask the gateway with, or one the gateway does not show its agents to: the registry the CLI is pointed at lists them.
    const anonymous = await cli(['send', `${mesh.gw.url}/agents/testr`, 'hello'], { env: { AGENTMESH_REGISTRY: mesh.registry.url } });
    assert.ok(anonymous.stderr.endsWith(hint), anonymous.stderr);
    const sender = await cli(['send', `${mesh.gw.url}/agents/testr`, 'hello', '--token', await fetchToken(mesh.gw.url, client)], { env: { AGENTMESH_REGISTRY: mesh.registry.url } });
    assert.ok(sender.stderr.endsWith(hint), sender.stderr);
    // A name where the URL goes: the URL it has through the gateway.
    const bare = await cli(['send', 'testr', 'hello', '--token', token], { env: { AGENTMESH_GATEWAY: mesh.gw.url } });
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, `error: invalid agent URL "testr" (expected http(s)://host[:port][/path])\nhint: an agent is named by its URL: through the gateway, ${mesh.gw.url}/agents/testr; did you mean tester (${mesh.gw.url}/agents/tester)? agentmesh agents list shows the registered agents\n`);
  });

  test('a cache folder others can write is not used: a token planted there is ignored and none is written there', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'agentmesh-token-shared-'));
    chmodSync(shared, 0o777);
    try {
      // Learn the file name the CLI uses, from a private folder, then plant a token under it in the shared one.
      cacheDir = mkdtempSync(join(tmpdir(), 'agentmesh-token-cache-'));
      assert.equal((await cli(['send', agentUrl, 'hello'], { env: env() })).code, 0);
      const name = cached()[0]!;
      const token = (JSON.parse(readFileSync(join(cacheDir, name), 'utf8')) as { token: string }).token;
      rmSync(cacheDir, { recursive: true, force: true });
      cacheDir = shared;
      writeFileSync(join(shared, name), JSON.stringify({ token, expiresAt: Date.now() + 3_600_000 }), { mode: 0o600 });
      // With a wrong secret, only a planted token could make this work: it must not be read.
      const planted = await cli(['send', agentUrl, 'hello'], { env: env({ AGENTMESH_CLIENT_SECRET: 'not-the-secret' }) });
      assert.equal(planted.code, 1, planted.stdout);
      assert.ok(readdirSync(shared).includes(name), "nor is a file in a folder others can write deleted");
      // A symlink planted at the name is never written through.
      rmSync(join(shared, name));
      const elsewhere = join(shared, 'elsewhere.txt');
      writeFileSync(elsewhere, '');
      symlinkSync(elsewhere, join(shared, name));
      assert.equal((await cli(['send', agentUrl, 'hello'], { env: env() })).code, 0);
      assert.equal(readFileSync(elsewhere, 'utf8'), '', 'the token was not written through the symlink');
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  test('AGENTMESH_TOKEN_CACHE=0 caches nothing', async () => {
    rmSync(cacheDir, { recursive: true, force: true });
    cacheDir = mkdtempSync(join(tmpdir(), 'agentmesh-token-cache-'));
    const run = await cli(['send', agentUrl, 'hello'], { env: env({ AGENTMESH_TOKEN_CACHE: '0' }) });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(cached(), []);
    rmSync(cacheDir, { recursive: true, force: true });
  });
});
