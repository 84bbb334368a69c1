import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorCodes } from '../../../src/protocol/index.js';
import { createRegistryClient, recordFromJson, registryStatusOf, type RegistryClient } from '../../../src/contracts/registry-client/index.js';
import { readWatchFrames, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { closedPort } from '../../helpers/free-port.js';

const TOKEN = 'client-test-write-token';

describe('registry client, against a real registry', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let client: RegistryClient;
  before(async () => {
    reg = await startRegistry({ writeToken: TOKEN });
    client = createRegistryClient({ url: `${reg.url}/`, token: TOKEN, timeoutMs: 5_000 });
  });
  after(async () => {
    await reg.close();
  });

  test('records: put, register, get, list with filters and pages, search, health, deregister', async () => {
    assert.equal(client.url, reg.url, 'no trailing slash');
    const put = await client.putAgent('alpha', { card: sampleCard('alpha'), metadata: { department: 'sales', tags: ['leads'] } });
    assert.equal(put.name, 'alpha');
    assert.equal(put.card.name, 'alpha', 'the card arrives as A2A JSON');
    const registered = await client.register({ card: sampleCard('beta', { description: 'translates contracts into French' }) });
    assert.equal(registered.name, 'beta');
    const alpha = await client.getAgent('alpha');
    assert.deepEqual([alpha.metadata.department, alpha.status], ['sales', 'active']);
    assert.equal(recordFromJson(alpha).card.skills[0]?.id, 'work', 'recordFromJson gives the SDK card');
    assert.deepEqual((await client.listAgents({ department: 'sales' })).agents.map((a) => a.name), ['alpha']);
    const first = await client.listAgents({ pageSize: 1 });
    assert.deepEqual([first.agents.map((a) => a.name), first.totalSize], [['alpha'], 2]);
    assert.deepEqual((await client.listAgents({ pageSize: 1, pageToken: first.nextPageToken })).agents.map((a) => a.name), ['beta']);
    const hits = await client.search({ query: { text: 'translate contracts French' }, pageSize: 5 });
    assert.equal(hits.results[0]?.metadata?.name, 'beta');
    const health = await client.health('alpha');
    assert.deepEqual([health.agent, health.instances], ['alpha', []]);
    await client.deregister('beta');
    assert.equal(registryStatusOf(await client.getAgent('beta').catch((err: unknown) => err)), 404);
  });

  test('instances: add under a lease, list, heartbeat, remove (twice), heartbeat of a gone one is undefined', async () => {
    const instance = await client.addInstance('alpha', { url: 'https://alpha-1.example.com', region: 'eu', capacity: 4, leaseTtlMs: 60_000 });
    assert.equal(instance.kind, 'leased');
    assert.deepEqual((await client.instances('alpha')).map((i) => i.id), [instance.id]);
    const renewed = await client.heartbeat('alpha', instance.id);
    assert.equal(typeof renewed?.leaseExpiresAt, 'string');
    await client.removeInstance('alpha', instance.id);
    await client.removeInstance('alpha', instance.id);
    assert.equal(await client.heartbeat('alpha', instance.id), undefined);
    assert.deepEqual(await client.instances('alpha'), []);
  });

  test('configs: put, active, versions, one version, rollback', async () => {
    const v1 = await client.putConfig('alpha', { threshold: 1 }, 'first');
    const v2 = await client.putConfig('alpha', { threshold: 2 });
    assert.deepEqual([v1.version, v1.comment, v2.version], [1, 'first', 2]);
    assert.deepEqual((await client.activeConfig('alpha')).config, { threshold: 2 });
    assert.deepEqual((await client.configVersions('alpha')).map((v) => v.version).sort(), [1, 2]);
    assert.deepEqual((await client.configVersion('alpha', 1)).config, { threshold: 1 });
    const rolledBack = await client.rollbackConfig('alpha', 1);
    assert.deepEqual([rolledBack.active, (await client.activeConfig('alpha')).config], [true, { threshold: 1 }]);
  });

  test('watch: opens, then streams the changes of one agent', async () => {
    const body = await client.watch({ agent: 'alpha', kinds: ['config_changed'] });
    let opened = false;
    const seen = readWatchFrames(body, 1, () => (opened = true));
    await client.putAgent('beta-not-watched', { card: sampleCard('beta-not-watched') });
    await client.putConfig('alpha', { threshold: 3 });
    const [change] = await seen;
    assert.equal(opened, true, 'the stream starts with its open event');
    assert.deepEqual([change?.event, change?.data.agent], ['config_changed', 'alpha']);
  });

  test('404: the registry code, details.status, not retryable; a hint rewords it', async () => {
    const err: any = await client.getAgent('nobody').catch((e: unknown) => e);
    assert.equal(err.code, ErrorCodes.REGISTRY_AGENT_NOT_FOUND);
    assert.equal(registryStatusOf(err), 404);
    assert.equal(err.retryable, false);
    assert.match(err.message, new RegExp(`^the registry at ${reg.url} answered GET /v1/agents/nobody with HTTP 404: `));
    // Encoded, the name stays one segment: the registry refuses it as a name instead of routing elsewhere.
    const traversal: any = await client.getAgent('x/../..').catch((e: unknown) => e);
    assert.equal(registryStatusOf(traversal), 400);
    assert.match(traversal.message, /GET \/v1\/agents\/x%2F\.\.%2F\.\. with HTTP 400/);
    const hinted = createRegistryClient({ url: reg.url, hint: ({ agent, status }) => `${agent} answered ${status}` });
    await assert.rejects(hinted.getAgent('nobody'), { message: 'nobody answered 404' });
  });

  test('401: a write without a token is AM_ERR_AUTH_UNAUTHENTICATED', async () => {
    const anonymous = createRegistryClient({ url: reg.url });
    const err: any = await anonymous.putConfig('alpha', { threshold: 9 }).catch((e: unknown) => e);
    assert.equal(err.code, ErrorCodes.AUTH_UNAUTHENTICATED);
    assert.deepEqual([registryStatusOf(err), err.retryable], [401, false]);
    assert.equal((await anonymous.getAgent('alpha')).name, 'alpha', 'reads need no token');
  });

  test('400: a refused record carries the field violations, one a line', async () => {
    const err: any = await client.putAgent('bad', { card: { name: 'bad' } }).catch((e: unknown) => e);
    assert.equal(registryStatusOf(err), 400);
    assert.notEqual(err.code, ErrorCodes.HTTP_UPSTREAM_FAILED, 'the registry names its own code');
    assert.ok(err.violations.length > 0);
    assert.match(err.message, /\n {2}- \S+ /);
  });

  test('a registry that refuses connections: retryable, names the URL without token or query', async () => {
    const port = await closedPort();
    const down = createRegistryClient({ url: `http://127.0.0.1:${port}/?secret=q`, token: 'super-secret' });
    const err: any = await down.listAgents({ tag: 'private' }).catch((e: unknown) => e);
    assert.equal(err.code, ErrorCodes.HTTP_UPSTREAM_FAILED);
    assert.equal(err.retryable, true);
    assert.equal(err.message, `cannot reach the registry at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
    assert.equal(registryStatusOf(err), undefined);
  });

  test('a registry that never answers: AM_ERR_HTTP_TIMEOUT after timeoutMs; the caller\'s own abort stays an abort', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      await assert.rejects(createRegistryClient({ url, timeoutMs: 200 }).getAgent('alpha'), { code: ErrorCodes.HTTP_TIMEOUT, retryable: true });
      await assert.rejects(createRegistryClient({ url, timeoutMs: 200 }).watch({}), { code: ErrorCodes.HTTP_TIMEOUT });
      const aborted = new AbortController();
      const pending = createRegistryClient({ url }).getAgent('alpha', { signal: aborted.signal });
      aborted.abort(new Error('caller gave up'));
      await assert.rejects(pending, { message: 'caller gave up' });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('refuses a URL that is not http(s)', () => {
    assert.throws(() => createRegistryClient({ url: 'file:///etc/passwd' }), { code: ErrorCodes.CONFIG_INVALID });
    assert.throws(() => createRegistryClient({ url: 'registry:4100' }), { code: ErrorCodes.CONFIG_INVALID });
  });
});
