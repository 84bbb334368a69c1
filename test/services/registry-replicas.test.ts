/**
 * Two registry processes' worth of state (two createRegistry instances, each
 * with its own pool and bus connection) on one PostgreSQL schema and one Redis
 * stream: what one writes, the other serves — records, search, health,
 * configs and the watch stream.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type Registry } from '../../src/registry/index.js';
import { RedisBus } from '../../src/storage/index.js';
import { call, sampleCard, watch } from '../helpers/registry-fixture.js';
import { REDIS_URL, createTestSchema, deleteRedisKey, postgresSkipReason, redisSkipReason, uniqueStreamKey, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

interface Replica {
  registry: Registry;
  url: string;
  bus: RedisBus;
}

async function startReplica(schema: TestSchema, stream: string, dataDir: string): Promise<Replica> {
  const bus = await RedisBus.connect({ url: REDIS_URL, stream });
  // A slow poll: agreement within the test's waits must come from the bus signal.
  const registry = await createRegistry({ bus, config: { port: 0, host: '127.0.0.1', dataDir, databaseUrl: schema.url, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1'], feedPollMs: 30_000, probeIntervalMs: 200 } });
  const { url } = await registry.listen();
  return { registry, url, bus };
}

describe('two registry replicas on one PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let stream: string;
  let dataDir: string;
  let a: Replica;
  let b: Replica;
  before(async () => {
    schema = await createTestSchema();
    stream = uniqueStreamKey();
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-reg-'));
    a = await startReplica(schema, stream, dataDir);
    b = await startReplica(schema, stream, dataDir);
  });
  after(async () => {
    for (const r of [a, b]) {
      await r?.registry.close();
      await r?.bus.close();
    }
    await deleteRedisKey(stream);
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
    await a.registry.sync();
    await b.registry.sync();
    for (const n of [0, 1, 2]) {
      const fromA = (await call(a.url, 'GET', `/v1/agents?pageSize=100`)).body.agents.find((x: any) => x.name === `race-${n}`);
      const fromB = (await call(b.url, 'GET', `/v1/agents?pageSize=100`)).body.agents.find((x: any) => x.name === `race-${n}`);
      assert.deepEqual(fromA, fromB);
      assert.equal(fromA.revision, (await call(a.url, 'GET', `/v1/agents/race-${n}`)).body.revision);
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
});
