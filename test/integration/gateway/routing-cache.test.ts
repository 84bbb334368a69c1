import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { freePort, rpcVia, startRelay, startRouterApp, startUpstream } from './routing-harness.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

async function metricValue(metrics: { render: () => Promise<{ body: string }> }, name: string): Promise<number> {
  const line = (await metrics.render()).body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('the routing cache follows the registry', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let gw: Awaited<ReturnType<typeof startRouterApp>>;

  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    host = await startRuntime([testAgent], { registryUrl: reg.url });
    upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    relay = await startRelay(reg.url);
    // The router reaches the registry through a relay the tests can cut.
    gw = await startRouterApp(relay.url, { random: () => 0 });
  });
  after(() => closeInTurn(gw, relay, upstream, host, reg));

  test('start() loads every agent with its instances, and requests reach them', async () => {
    assert.equal(gw.router.ready(), true);
    const route = gw.router.agent('tester');
    assert.ok(route, 'the self-registered agent is cached');
    assert.equal(route.record.card.name, 'tester');
    assert.equal(route.instances.length, 1);
    assert.equal(route.instances[0]!.inRotation, true);
    // A small registry's load names the agents it brought in.
    const loaded = gw.logs.find((line) => line.msg === 'routing cache loaded from the registry');
    assert.deepEqual([loaded?.['entered'], loaded?.['enteredAgents'], loaded?.['left']], [1, ['tester'], 0]);
    const answer = await rpcVia(gw.url, 'tester', 'SendMessage', { message: userMessage('through the router') });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.result.task.artifacts[0].parts[0].text, 'through the router');
    assert.equal(gw.results.at(-1)!.instance, route.instances[0]!.id);
  });

  test('a new agent appears, an instance whose lease lapses leaves rotation, a deregistered agent disappears', async () => {
    assert.equal((await call(reg.url, 'POST', '/v1/agents', { card: sampleCard('newcomer') })).status, 201);
    const added = await call(reg.url, 'POST', '/v1/agents/newcomer/instances', { url: upstream.url, leaseTtlMs: 1000 });
    assert.equal(added.status, 201);
    await until('the new agent and its instance in the cache', () => gw.router.agent('newcomer')?.instances[0]?.inRotation === true);
    // Since when this gateway routes the agent: the line an operator looks for when a gateway answers 404.
    const entered = gw.logs.filter((line) => line.msg === 'agent entered the routing cache' && line['agent'] === 'newcomer');
    assert.equal(entered.length, 1, JSON.stringify(entered));
    assert.equal(entered[0]!['kind'], 'registered');
    const answer = await fetch(`${gw.url}/agents/newcomer/anything`);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { ok: true });

    // No heartbeat: the lease lapses at the registry's next sweep.
    await until('the lapsed instance out of rotation', async () => {
      await reg.registry.probeNow();
      return gw.router.agent('newcomer')?.instances.some((i) => i.inRotation) === false;
    });
    const refused = await fetch(`${gw.url}/agents/newcomer/anything`);
    assert.equal(refused.status, 503);
    assert.match(((await refused.json()) as any).error.message, /agent newcomer has no healthy instance/);

    assert.equal((await call(reg.url, 'DELETE', '/v1/agents/newcomer')).status, 204);
    await until('the deregistered agent gone', () => gw.router.agent('newcomer') === undefined);
    assert.equal(gw.logs.filter((line) => line.msg === 'agent left the routing cache' && line['agent'] === 'newcomer').length, 1);
    const gone = await fetch(`${gw.url}/agents/newcomer/anything`);
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as any).error.details[0].reason, 'AM_ERR_GATEWAY_AGENT_NOT_FOUND');
  });

  test('a watch that resumes after its changes were pruned gets resync and reloads everything', async () => {
    const reloadsBefore = await metricValue(gw.metrics, 'agentmesh_gateway_registry_reloads_total');
    // Cut the router off; its reconnection is held at the relay, so it resumes with Last-Event-ID later.
    relay.cut();
    await until('the router reconnecting', () => relay.held() > 0);
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/pruned-a', { card: sampleCard('pruned-a') })).status, 201);
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/pruned-b', { card: sampleCard('pruned-b') })).status, 201);
    // Prune the log up to the last change: the router's Last-Event-ID is older than what the registry keeps.
    const db = new Database(join(reg.dataDir, 'mesh.db'));
    try {
      const { newest } = db.prepare('SELECT max(seq) AS newest FROM registry_changes').get() as { newest: number };
      db.prepare('DELETE FROM registry_changes WHERE seq < ?').run(newest);
    } finally {
      db.close();
    }
    relay.release();
    await until('both agents in the cache', () => gw.router.agent('pruned-a') !== undefined && gw.router.agent('pruned-b') !== undefined);
    assert.equal(await metricValue(gw.metrics, 'agentmesh_gateway_registry_reloads_total'), reloadsBefore + 1, 'one full reload');
    assert.ok(gw.logs.some((l) => l.msg.startsWith('the registry no longer holds the changes since our last one')), 'the router resumed with Last-Event-ID and the registry answered resync');
    assert.equal(gw.router.agent('tester')?.instances.length, 1, 'what did not change is still there');
  });
});

test('a registry back on a fresh store is followed again: the router reloads instead of resuming after ids that no longer mean anything', async () => {
  const port = await freePort();
  const first = mkdtempSync(join(tmpdir(), 'agentmesh-routing-'));
  const second = mkdtempSync(join(tmpdir(), 'agentmesh-routing-'));
  let reg = await startRegistry({ port, dataDir: first, probeIntervalMs: 60_000 });
  const gw = await startRouterApp(reg.url, { random: () => 0, maxReconnectMs: 200 });
  try {
    for (const name of ['old-a', 'old-b', 'old-c']) assert.equal((await call(reg.url, 'PUT', `/v1/agents/${name}`, { card: sampleCard(name) })).status, 201);
    await until('the old agents cached', () => gw.router.agent('old-c') !== undefined);
    await reg.close();
    reg = await startRegistry({ port, dataDir: second, probeIntervalMs: 60_000 });
    // Change 1 of the fresh store: a router resuming after id 3 would never see it.
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/fresh', { card: sampleCard('fresh') })).status, 201);
    await until('the fresh agent cached', () => gw.router.agent('fresh') !== undefined);
    await until('the agents the fresh store does not know gone', () => gw.router.agent('old-a') === undefined);
    assert.equal(gw.router.ready(), true);
  } finally {
    await gw.close();
    await reg.close();
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }
});

test('start() gives up waiting for an unreachable registry after startTimeoutMs, answers 503 meanwhile, and loads once it appears', async () => {
  const port = await freePort();
  const gw = await startRouterApp(`http://127.0.0.1:${port}`, { startTimeoutMs: 100, maxReconnectMs: 100, random: () => 1 });
  let reg: Awaited<ReturnType<typeof startRegistry>> | undefined;
  try {
    assert.equal(gw.router.ready(), false);
    const early = await fetch(`${gw.url}/agents/anyone`);
    assert.equal(early.status, 503);
    assert.match(((await early.json()) as any).error.message, /not loaded the agent directory/);
    reg = await startRegistry({ port, probeIntervalMs: 60_000 });
    await until('the router loaded', () => gw.router.ready());
    const late = await fetch(`${gw.url}/agents/anyone`);
    assert.equal(late.status, 404);
  } finally {
    await gw.close();
    await reg?.close();
  }
});
