import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, type Registry } from '../../../src/registry/index.js';
import { defineAgent, type AgentConfigChange, type AgentDefinition } from '../../../src/runtime/index.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/**
 * Short leases: a heartbeat every 1.5 s. Not shorter: on a loaded CI machine (two cores, load 20
 * to 40) a runtime's event loop can stall for a second or more, and a lease that lapsed in between
 * makes the runtime register again under another instance id.
 */
const LEASE_TTL_MS = 4500;

/** An agent whose skill answers with the config it sees. */
const scorer: AgentDefinition = defineAgent({
  card: { name: 'scorer', description: 'Scores leads against the best customers', version: '2.1.0' },
  maxConcurrentTasks: 4,
  registry: { department: 'sales', owner: 'revops@example.com', sla: { tier: 'gold', availability: 99.9 } },
  skills: {
    settings: { description: 'Returns the config it runs with', handler: async (_: string, ctx) => ({ seen: ctx.config }) },
  },
});

const helper: AgentDefinition = defineAgent({
  card: { name: 'helper', description: 'Helps with odd jobs' },
  skills: { help: { description: 'Helps', handler: async () => 'helped' } },
});

/** A port nothing listens on (taken from the OS, then released). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A registry on a fixed port and data dir (to restart it there). */
async function registryAt(port: number, dataDir: string): Promise<{ registry: Registry; url: string }> {
  const registry = await createRegistry({ config: { port, host: '127.0.0.1', dataDir, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1', 'localhost'], probeIntervalMs: 60_000 } });
  const { url } = await registry.listen();
  return { registry, url };
}

async function leasedInstances(registryUrl: string, agent: string): Promise<any[]> {
  const res = await call(registryUrl, 'GET', `/v1/agents/${agent}/instances`);
  return res.status === 200 ? res.body.instances.filter((i: any) => i.kind === 'leased') : [];
}

describe('runtime self-registration', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  const changes: AgentConfigChange[] = [];

  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    host = await startRuntime([scorer, helper], { registryUrl: reg.url, registryLeaseTtlMs: LEASE_TTL_MS, registryRegion: 'eu-west-1' });
    host.runtime.onConfigChange('scorer', (change) => changes.push(change));
    // listen() does not wait for the registry (below): the tests start once both agents hold a lease.
    await until('scorer and helper to hold a lease', async () => (await leasedInstances(reg.url, 'scorer')).length === 1 && (await leasedInstances(reg.url, 'helper')).length === 1);
  });
  after(() => closeInTurn(host, reg));

  test('registers every hosted agent with the card it serves, its metadata and a leased instance', async () => {
    const record = await call(reg.url, 'GET', '/v1/agents/scorer');
    assert.equal(record.status, 200);
    const served = (await (await fetch(`${host.agents.scorer}/.well-known/agent-card.json`)).json()) as any;
    const endpoints = (card: any) => card.supportedInterfaces.map((i: any) => `${i.protocolBinding} ${i.protocolVersion} ${i.url}`);
    assert.deepEqual(endpoints(record.body.card), endpoints(served));
    assert.deepEqual(record.body.card.skills.map((s: any) => s.id), ['settings']);
    assert.equal(record.body.signed, true, 'the served card is signed and verifies');
    assert.equal(record.body.metadata.department, 'sales');
    assert.equal(record.body.metadata.sla.tier, 'gold');

    const [instance, ...others] = await leasedInstances(reg.url, 'scorer');
    assert.equal(others.length, 0);
    assert.equal(instance.url, host.agents.scorer);
    assert.equal(instance.region, 'eu-west-1');
    assert.equal(instance.version, '2.1.0');
    assert.equal(instance.capacity, 4);
    assert.equal(instance.leaseTtlMs, LEASE_TTL_MS);

    const [helperInstance] = await leasedInstances(reg.url, 'helper');
    assert.equal(helperInstance.url, host.agents.helper);
    assert.equal(helperInstance.capacity, 64, "an agent without its own limit has the runtime's");
  });

  test('becomes healthy after a probe round', async () => {
    await reg.registry.probeNow();
    const health = await call(reg.url, 'GET', '/v1/agents/scorer/health');
    assert.equal(health.body.health, 'healthy');
    assert.equal(health.body.instances[0].probe.state, 'up');
    assert.equal(health.body.instances[0].inRotation, true);
  });

  test('heartbeats renew the lease', async () => {
    const [first] = await leasedInstances(reg.url, 'scorer');
    await until('a heartbeat to move the lease', async () => {
      const [now] = await leasedInstances(reg.url, 'scorer');
      return now !== undefined && now.id === first.id && Date.parse(now.leaseExpiresAt) > Date.parse(first.leaseExpiresAt);
    });
  });

  test('registers again when the agent is deregistered behind its back', async () => {
    const [before] = await leasedInstances(reg.url, 'helper');
    assert.equal((await call(reg.url, 'DELETE', '/v1/agents/helper')).status, 204);
    await until('helper to register again', async () => {
      const [now] = await leasedInstances(reg.url, 'helper');
      return now !== undefined && now.id !== before.id;
    });
    const record = await call(reg.url, 'GET', '/v1/agents/helper');
    assert.equal(record.status, 200);
    assert.equal(record.body.card.name, 'helper');
  });

  test("a config put in the registry reaches ctx.config and the host's listeners", async () => {
    assert.deepEqual(host.runtime.configOf('scorer'), {});
    const put = await call(reg.url, 'PUT', '/v1/agents/scorer/config', { config: { threshold: 0.8, weights: { recency: 2 } }, comment: 'first' });
    assert.equal(put.status, 201);
    await until('the runtime to see config version 1', () => changes.length === 1);
    assert.deepEqual(changes[0], { agent: 'scorer', config: { threshold: 0.8, weights: { recency: 2 } }, version: 1, previousVersion: undefined });
    assert.ok(Object.isFrozen(host.runtime.configOf('scorer')), 'skills cannot change the shared config');

    const reply = await rpc(host.agents.scorer!, 'SendMessage', { message: userMessage('what do you run with?') });
    const artifact = reply.body.result.task.artifacts[0];
    assert.deepEqual(artifact.parts[0].data, { seen: { threshold: 0.8, weights: { recency: 2 } } });

    const rollback = await call(reg.url, 'PUT', '/v1/agents/scorer/config', { config: { threshold: 0.5 } });
    assert.equal(rollback.status, 201);
    await until('the runtime to see config version 2', () => changes.length === 2);
    assert.deepEqual(changes[1], { agent: 'scorer', config: { threshold: 0.5 }, version: 2, previousVersion: 1 });
  });

  test('onConfigChange refuses an agent the runtime does not host', () => {
    assert.throws(() => host.runtime.onConfigChange('nobody', () => undefined), (err: any) => err.code === 'AM_ERR_CONFIG_INVALID' && /hosts no agent named "nobody"/.test(err.message));
  });

  test('close() removes its instances from the registry', async () => {
    const other = await startRuntime([helper], { registryUrl: reg.url, registryLeaseTtlMs: LEASE_TTL_MS });
    await until('the second runtime to hold a lease', async () => (await leasedInstances(reg.url, 'helper')).some((i) => i.url === other.url));
    await other.close();
    const left = await leasedInstances(reg.url, 'helper');
    assert.equal(left.some((i) => i.url === other.url), false, 'its instance is gone');
    assert.equal(left.some((i) => i.url === host.agents.helper), true, "the first runtime's instance stays");
  });
});

describe('runtime self-registration when the registry comes and goes', () => {
  test('serves A2A while the registry is down, registers once it is up, and again after it restarts on an empty store', async () => {
    const port = await freePort();
    const firstDir = mkdtempSync(join(tmpdir(), 'agentmesh-registry-'));
    const secondDir = mkdtempSync(join(tmpdir(), 'agentmesh-registry-'));
    const registryUrl = `http://localhost:${port}`;
    const started = Date.now();
    const host = await startRuntime([scorer], { registryUrl, registryLeaseTtlMs: LEASE_TTL_MS });
    let registry: Registry | undefined;
    try {
      // The registry starts below, once listen() has returned: a listen() that waited for it would not
      // return at all. The bound fails that here rather than at the runner's timeout; it is wide because
      // starting a runtime took over 5 s on a loaded CI machine (two cores, load 20 to 40).
      assert.ok(Date.now() - started < 30_000, `listen() does not wait for an unreachable registry (returned after ${Date.now() - started} ms)`);
      const served = await rpc(host.url, 'SendMessage', { message: userMessage('still serving?') });
      assert.equal(served.body.result.task.status.state, 'TASK_STATE_COMPLETED');

      ({ registry } = await registryAt(port, firstDir));
      await until('the runtime to register once the registry is up', async () => (await leasedInstances(registryUrl, 'scorer')).length === 1);
      await call(registryUrl, 'PUT', '/v1/agents/scorer/config', { config: { mode: 'first' } });
      await until('the config of the first registry', () => host.runtime.configOf('scorer')['mode'] === 'first');

      // A new registry on the same port with nothing in it: heartbeats get 404, the runtime registers again.
      await registry.close();
      ({ registry } = await registryAt(port, secondDir));
      await until('the runtime to register with the new registry', async () => (await leasedInstances(registryUrl, 'scorer')).length === 1);
      await until('the config to follow the new registry (none there)', () => host.runtime.configOf('scorer')['mode'] === undefined);
      await call(registryUrl, 'PUT', '/v1/agents/scorer/config', { config: { mode: 'second' } });
      await until('the config of the new registry', () => host.runtime.configOf('scorer')['mode'] === 'second');
    } finally {
      await host.close();
      await registry?.close();
      rmSync(firstDir, { recursive: true, force: true });
      rmSync(secondDir, { recursive: true, force: true });
    }
  });

  test('every registry call carries the bearer token and a traceparent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-registry-'));
    const token = 'registry-token-0123456789';
    const registry = await createRegistry({ config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1', 'localhost'], writeToken: token, probeIntervalMs: 60_000 } });
    const seen: Array<{ method: string; url: string; authorization?: string; traceparent?: string }> = [];
    registry.app.addHook('onRequest', async (request) => {
      // The test's own reads are marked; everything else comes from the runtime.
      if (request.headers['x-test'] === undefined) seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, traceparent: request.headers.traceparent as string | undefined });
    });
    const { url } = await registry.listen();
    const host = await startRuntime([helper], { registryUrl: url, registryToken: token, registryLeaseTtlMs: LEASE_TTL_MS });
    try {
      const instances = await call(url, 'GET', '/v1/agents/helper/instances', undefined, { 'x-test': '1' });
      assert.equal(instances.body.instances.length, 1, 'registered with the token');
      await until('a heartbeat', () => seen.some((r) => r.url.endsWith('/heartbeat')));
      assert.ok(seen.some((r) => r.method === 'PUT' && r.url === '/v1/agents/helper'));
      assert.ok(seen.some((r) => r.method === 'POST' && r.url === '/v1/agents/helper/instances'));
      assert.ok(seen.some((r) => r.method === 'GET' && r.url.startsWith('/watch?agent=helper')));
      assert.ok(seen.some((r) => r.method === 'GET' && r.url === '/v1/agents/helper/config'));
      for (const r of seen) {
        assert.equal(r.authorization, `Bearer ${token}`, `${r.method} ${r.url}`);
        assert.match(r.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, `${r.method} ${r.url}`);
      }
    } finally {
      await host.close();
      await registry.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('serves an agent whose name the registry cannot take, and registers the others', async () => {
    const reg = await startRegistry({ probeIntervalMs: 60_000 });
    const oddlyNamed = defineAgent({ card: { name: 'Odd_Name', description: 'Named like a class' }, skills: { x: { description: 'x', handler: async () => 'x' } } });
    const host = await startRuntime([oddlyNamed, helper], { registryUrl: reg.url, registryLeaseTtlMs: LEASE_TTL_MS });
    try {
      // listen() waits at most 2 s for the first round, which a loaded CI machine can outlast.
      await until('helper to hold a lease', async () => (await leasedInstances(reg.url, 'helper')).length === 1);
      const listed = await call(reg.url, 'GET', '/v1/agents');
      assert.deepEqual(listed.body.agents.map((a: any) => a.name), ['helper']);
      const served = await rpc(host.agents.Odd_Name!, 'SendMessage', { message: userMessage('hi') });
      assert.equal(served.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    } finally {
      await host.close();
      await reg.close();
    }
  });

  test('reads the config an agent already has when it starts', async () => {
    const reg = await startRegistry({ probeIntervalMs: 60_000 });
    try {
      await call(reg.url, 'PUT', '/v1/agents/scorer', { card: sampleCard('scorer') });
      await call(reg.url, 'PUT', '/v1/agents/scorer/config', { config: { threshold: 0.9 } });
      const host = await startRuntime([scorer], { registryUrl: reg.url, registryLeaseTtlMs: LEASE_TTL_MS });
      try {
        assert.deepEqual(host.runtime.configOf('scorer'), { threshold: 0.9 }, 'listen() waited for the first read');
      } finally {
        await host.close();
      }
    } finally {
      await reg.close();
    }
  });
});
