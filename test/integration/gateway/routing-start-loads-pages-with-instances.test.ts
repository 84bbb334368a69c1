import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSsrfGuard } from '../../../src/http/index.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { startRouterApp, startUpstream } from './routing-harness.js';

/** Agents registered before the gateway starts: enough that one instance read per agent would show. */
const AGENTS = 500;

/**
 * An HTTP proxy in front of the registry that counts the gateway's requests
 * by kind, and runs `afterFirstList` once the first list page has left the
 * registry but before the gateway has it: a change made then is in no page
 * the gateway reads, only in its watch stream.
 */
async function startCountingProxy(target: string, afterFirstList: () => Promise<void>): Promise<{ url: string; counts: Map<string, number>; server: Server }> {
  const { hostname, port } = new URL(target);
  const counts = new Map<string, number>();
  let listed = false;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const kind = path === '/watch' ? 'watch' : path === '/v1/agents' ? 'list' : path.endsWith('/instances') ? 'instances' : 'other';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const upstream = httpRequest({ hostname, port, method: req.method, path: req.url, headers: req.headers }, async (answer) => {
      if (kind === 'list' && !listed) {
        listed = true;
        const chunks: Buffer[] = [];
        for await (const chunk of answer) chunks.push(chunk as Buffer);
        await afterFirstList();
        res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, server };
}

let reg: Awaited<ReturnType<typeof startRegistry>>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let gw: Awaited<ReturnType<typeof startRouterApp>> | undefined;
const names = Array.from({ length: AGENTS }, (_, i) => `fleet-${String(i).padStart(4, '0')}`);

before(async () => {
  reg = await startRegistry({ probeIntervalMs: 600_000, defaultLeaseTtlMs: 600_000 });
  upstream = await startUpstream((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url })));
  // Every agent with one leased instance, 16 registrations at a time.
  let next = 0;
  const writer = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      assert.equal((await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name) })).status, 201);
      assert.equal((await call(reg.url, 'POST', `/v1/agents/${name}/instances`, { url: `${upstream.url}/${name}` })).status, 201);
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
});

after(async () => {
  await gw?.close();
  await new Promise<void>((resolve) => {
    proxy?.server.closeAllConnections();
    proxy?.server.close(() => resolve());
  });
  await upstream.close();
  await reg.close();
});

test('a new gateway loads every agent with its instances in a few pages, and a change made during the load is not lost', async () => {
  // During the load: a new agent (it sorts first, so no page holds it), one listed agent gone, one with a second instance.
  const late = 'aaa-late-agent';
  const second = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"second":true}'));
  try {
    proxy = await startCountingProxy(reg.url, async () => {
      assert.equal((await call(reg.url, 'PUT', `/v1/agents/${late}`, { card: sampleCard(late) })).status, 201);
      assert.equal((await call(reg.url, 'POST', `/v1/agents/${late}/instances`, { url: upstream.url })).status, 201);
      assert.equal((await call(reg.url, 'DELETE', `/v1/agents/${names[0]}`)).status, 204);
      assert.equal((await call(reg.url, 'POST', `/v1/agents/${names[1]}/instances`, { url: second.url })).status, 201);
    });
    // The guard's per-origin verdicts still judge every instance URL the pages carry.
    gw = await startRouterApp(proxy.url, { random: () => 0, guard: createSsrfGuard({ allowHosts: ['127.0.0.1'] }) });
    assert.equal(gw.router.ready(), true);

    // Loaded in pages, not one instance read per agent.
    const counts = Object.fromEntries(proxy.counts);
    assert.equal(counts.list, 1, `${AGENTS} agents fit in one page: ${JSON.stringify(counts)}`);
    assert.ok((counts.instances ?? 0) <= 3, `instance reads only for the changes made during the load: ${JSON.stringify(counts)}`);

    const last = names.at(-1)!;
    const route = gw.router.agent(last);
    assert.equal(route?.instances.length, 1);
    assert.equal(route.instances[0]!.inRotation, true);
    const answer = await fetch(`${gw.url}/agents/${last}/ping`);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { path: `/${last}/ping` });

    // What changed between the page and the end of the load arrives through the watch stream.
    await until('the changes made during the load applied', () => {
      const router = gw!.router;
      return router.agent(late)?.instances.length === 1 && router.agent(names[0]!) === undefined && router.agent(names[1]!)?.instances.length === 2;
    });
    const fresh = await fetch(`${gw.url}/agents/${late}/x`);
    assert.equal(fresh.status, 200);
    assert.ok((proxy.counts.get('instances') ?? 0) <= 3, 'one read for each agent whose instances changed, at most');
    assert.equal(proxy.counts.get('list'), 1, 'no reload');
  } finally {
    await second.close();
  }
});

test('GET /v1/agents?include=instances carries each listed agent’s instances; pages go up to 1,000 agents', async () => {
  const page = await call(reg.url, 'GET', '/v1/agents?include=instances&pageSize=3&pageToken=' + Buffer.from(names[5]!).toString('base64url'));
  assert.equal(page.status, 200);
  assert.deepEqual(
    page.body.agents.map((a: { name: string }) => a.name),
    names.slice(6, 9),
  );
  assert.deepEqual(Object.keys(page.body.instances).sort(), names.slice(6, 9));
  assert.equal(page.body.instances[names[6]!][0].url, `${upstream.url}/${names[6]}`);

  const agentOnly = 'no-instances-yet';
  assert.equal((await call(reg.url, 'PUT', `/v1/agents/${agentOnly}`, { card: sampleCard(agentOnly) })).status, 201);
  const bare = await call(reg.url, 'GET', `/v1/agents?include=instances&pageSize=1&pageToken=${Buffer.from('nn').toString('base64url')}`);
  assert.deepEqual(bare.body.instances, { [agentOnly]: [] }, 'an agent without instances maps to an empty list');

  const plain = await call(reg.url, 'GET', '/v1/agents?pageSize=2');
  assert.equal(plain.body.instances, undefined, 'without include, the page is as before');

  const all = await call(reg.url, 'GET', '/v1/agents?pageSize=1000');
  assert.equal(all.status, 200);
  assert.equal(all.body.agents.length, all.body.totalSize, 'every agent in one page');
  assert.equal(all.body.nextPageToken, undefined);
  assert.equal((await call(reg.url, 'GET', '/v1/agents?pageSize=1001')).status, 400);
  assert.equal((await call(reg.url, 'GET', '/v1/agents?include=everything')).status, 400);
});
