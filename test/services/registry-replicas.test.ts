/**
 * Two registry processes on one PostgreSQL schema and one Redis stream: A in
 * this process (createRegistry), B a real `agentmesh serve registry` child.
 * What one writes, the other serves — records, search, health, configs and
 * the watch stream.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type Registry } from '../../src/registry/index.js';
import { RedisBus } from '../../src/storage/index.js';
import { call, sampleCard, watch } from '../helpers/registry-fixture.js';
import { startRuntime, testAgent } from '../helpers/runtime-fixture.js';
import { REDIS_URL, createTestSchema, postgresSkipReason, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { spawnCli, stopChild, waitForOutput } from '../helpers/child-output.js';
import { closeInTurn } from '../helpers/close-in-turn.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

interface Replica {
  url: string;
  close(): Promise<void>;
}

async function startInProcess(schema: TestSchema, dataDir: string): Promise<Replica & { registry: Registry }> {
  // The default stream key: the child below cannot be told another one.
  const bus = await RedisBus.connect({ url: REDIS_URL });
  const registry = await createRegistry({ bus, config: { port: 0, host: '127.0.0.1', dataDir, databaseUrl: schema.url, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1', 'localhost'], feedPollMs: 30_000, probeIntervalMs: 200 } });
  const { url } = await registry.listen();
  return {
    registry,
    url,
    close: () => closeInTurn(registry, bus),
  };
}

async function startChild(schema: TestSchema, dataDir: string): Promise<Replica & { child: ChildProcess }> {
  const child = spawnCli(['serve', 'registry', '--port', '0', '--data-dir', dataDir], { DATABASE_URL: schema.url, REDIS_URL, AGENTMESH_DEV: '1', AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost', REGISTRY_PROBE_INTERVAL_MS: '200' });
  const url = await waitForOutput(child, /registry listening on (http:\/\/\S+)/, 'serve registry');
  return {
    child,
    url,
    close: async () => {
      await stopChild(child, 'SIGTERM');
    },
  };
}

describe('two registry replicas on one PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let dataDir: string;
  let a: Awaited<ReturnType<typeof startInProcess>>;
  let b: Awaited<ReturnType<typeof startChild>>;
  before(async () => {
    schema = await createTestSchema();
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-reg-'));
    a = await startInProcess(schema, dataDir);
    b = await startChild(schema, dataDir);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await schema.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a record written on A is served, listed and found by search on B', async () => {
    const res = await call(a.url, 'PUT', '/v1/agents/invoice-matcher', {
      card: sampleCard('Invoice Matcher', { description: 'Matches supplier invoices to purchase orders', skills: [{ id: 'match', name: 'Match invoices', description: 'Three-way match of invoices, POs and receipts', tags: ['finance', 'ap'], examples: ['match these invoices'] }] }),
      metadata: { department: 'finance' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await call(b.url, 'GET', '/v1/agents/invoice-matcher')).body.revision, 1);
    await until('B to list and find the agent', async () => {
      const list = await call(b.url, 'GET', '/v1/agents?department=finance');
      const search = await call(b.url, 'POST', '/search', { query: { text: 'match supplier bills to purchase orders' } });
      return list.body.agents.length === 1 && search.body.results[0]?.metadata?.name === 'invoice-matcher';
    });
  });

  test('concurrent writes on both replicas end in one agreed state and one ordered log', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(i % 2 ? a.url : b.url, 'PUT', `/v1/agents/race-${i % 3}`, { card: sampleCard(`race ${i % 3}`, { description: `write ${i}` }) })),
    );
    const races = async (url: string) => (await call(url, 'GET', `/v1/agents?pageSize=100`)).body.agents.filter((x: any) => x.name.startsWith('race-'));
    await until('both directories to hold the final revisions', async () => {
      const [fromA, fromB] = await Promise.all([races(a.url), races(b.url)]);
      return fromA.length === 3 && JSON.stringify(fromA) === JSON.stringify(fromB);
    });
    for (const n of [0, 1, 2]) {
      const listed = (await races(b.url)).find((x: any) => x.name === `race-${n}`);
      assert.equal(listed.revision, (await call(a.url, 'GET', `/v1/agents/race-${n}`)).body.revision);
    }
    const ids = (await watch(`${a.url}/watch?since=0`, 11).frames).map((f) => Number(f.id));
    assert.equal(ids.length, 11);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
  });

  test('a watch on B sees a change made on A, and resumes on A from B\'s id', async () => {
    const live = watch(`${b.url}/watch?agent=watched`, 1);
    await live.opened;
    await call(a.url, 'PUT', '/v1/agents/watched', { card: sampleCard('watched') });
    const [first] = await live.frames;
    assert.equal(first!.event, 'registered');
    await call(a.url, 'PUT', '/v1/agents/watched/config', { config: { mode: 'fast' } });
    const resumed = await watch(`${a.url}/watch?agent=watched`, 1, { 'last-event-id': first!.id! }).frames;
    assert.equal(resumed[0]!.event, 'config_changed');
    assert.deepEqual((await call(b.url, 'GET', '/v1/agents/watched/config')).body.config, { mode: 'fast' });
  });

  test('a lease taken on A and heartbeated on B lapses for both', async () => {
    await call(a.url, 'PUT', '/v1/agents/leasy', { card: sampleCard('leasy') });
    const added = await call(a.url, 'POST', '/v1/agents/leasy/instances', { url: 'https://leasy.example.com/a2a', leaseTtlMs: 1000 });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal((await call(b.url, 'PUT', `/v1/agents/leasy/instances/${added.body.id}/heartbeat`)).status, 200);
    await until('both replicas to report the lapsed lease', async () => {
      const [ha, hb] = await Promise.all([call(a.url, 'GET', '/v1/agents/leasy/instances'), call(b.url, 'GET', '/v1/agents/leasy/instances')]);
      return ha.body.instances[0]?.inRotation === false && hb.body.instances[0]?.inRotation === false;
    }, 6000);
    await until('both directories to show the agent down', async () => {
      const [la, lb] = await Promise.all([call(a.url, 'GET', '/v1/agents?health=down'), call(b.url, 'GET', '/v1/agents?health=down')]);
      return la.body.agents.some((x: any) => x.name === 'leasy') && lb.body.agents.some((x: any) => x.name === 'leasy');
    }, 6000);
  });

  test('register by card URL on B, probed healthy, config rolled back on A', async () => {
    const host = await startRuntime([testAgent]);
    try {
      const res = await call(b.url, 'POST', '/v1/agents', { cardUrl: `${host.url}/.well-known/agent-card.json`, name: 'remote-tester' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.signed, true);
      await a.registry.probeNow();
      await until('A to see the agent healthy', async () => (await call(a.url, 'GET', '/v1/agents/remote-tester')).body.health === 'healthy');
      await call(a.url, 'PUT', '/v1/agents/remote-tester/config', { config: { level: 1 } });
      await call(b.url, 'PUT', '/v1/agents/remote-tester/config', { config: { level: 2 } });
      const rolled = await call(a.url, 'POST', '/v1/agents/remote-tester/config/rollback', { version: 1 });
      assert.equal(rolled.body.version, 3);
      assert.deepEqual((await call(b.url, 'GET', '/v1/agents/remote-tester/config')).body.config, { level: 1 });
    } finally {
      await host.close();
    }
  });
});
