/**
 * In-process dispatch: when the gateway and the agents live in
 * one process (`agentmesh up`), the gateway reaches the runtime's server in
 * memory, not over loopback TCP, and nothing else changes — the official
 * SDK client's calls (blocking, streamed, cancelled) go through with the
 * gateway's policy, credits and audit, and the mesh closes without waiting
 * on the in-memory connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CancelTaskRequest, GetTaskRequest } from '@a2a-js/sdk';
import { connectAgent } from '../../../src/cli/index.js';
import { InProcessServers } from '../../../src/gateway/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { outputsOf, runMessage, startOrchestrator } from '../../helpers/orchestrator-fixture.js';
import { CANCELED, completedText, startWaitTask, streamChunks } from '../../helpers/sdk-client.js';
import { until } from '../../helpers/until.js';

describe('the gateway dispatches to agents of its own process in memory', { skip: InProcessServers.supported ? false : 'this Node.js has no stream.duplexPair' }, () => {
  const inProcess = new InProcessServers();
  /** A2A calls the runtime served, by how they arrived. */
  const arrived = { tcp: 0, memory: 0 };
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let host: GatewayMesh['host'];
  let token: string;

  before(async () => {
    mesh = await startGatewayMesh({ gatewayOptions: { inProcess } });
    ({ gw, host } = mesh);
    assert.equal(inProcess.add(host.url, host.runtime.app.server), true);
    host.runtime.app.server.on('request', (req) => {
      // The registry's health probes come over TCP; the A2A calls are the gateway's.
      if (req.method !== 'POST') return;
      if (req.socket instanceof Socket) arrived.tcp++;
      else arrived.memory++;
    });
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'in-process', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:message:stream', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
  });
  // The runtime closes (first) while the gateway still holds in-memory keep-alive connections to it: this must not hang.
  after(() => mesh?.close());

  test('blocking, streamed and cancelled calls of the official SDK client go through, none of them over TCP', async () => {
    const { client } = await connectAgent({ url: `${gw.url}/agents/tester`, token, protocol: '1.0', binding: 'jsonrpc' });
    assert.equal(await completedText(client, 'in memory'), 'in memory');

    const events = await streamChunks(client);
    assert.ok(events.length >= 3, `a stream of events: ${events.length}`);

    const waiting = await startWaitTask(client);
    await client.cancelTask(CancelTaskRequest.fromJSON({ id: waiting }));
    await until('the task to be cancelled', async () => (await client.getTask(GetTaskRequest.fromJSON({ id: waiting }))).status?.state === CANCELED);

    assert.ok(arrived.memory >= 4, `calls served in memory: ${JSON.stringify(arrived)}`);
    assert.equal(arrived.tcp, 0, 'no A2A call reached the runtime over TCP');
    assert.ok(inProcess.connections >= 1);
  });

  test('the calls are audited and charged as any other', async () => {
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 50 });
    assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.tenant === 'acme' && r.targetAgent === 'tester' && r.method === 'SendMessage' && r.outcome === 'ok'));
    assert.equal((await gw.gateway.audit.verify()).ok, true);
  });

  test("an orchestrator of the same process calls the gateway in memory: a workflow's steps never touch TCP", async (t) => {
    const viaGateway = { tcp: 0, memory: 0 };
    // Counted on the connections' bytes: the gateway's default front parses A2A calls without node:http's `request` event.
    gw.gateway.app.server.on('connection', (connection: Duplex) => {
      const kind = connection instanceof Socket ? 'tcp' : 'memory';
      connection.on('data', (chunk: Buffer) => {
        if (chunk.includes('POST /agents/tester')) viaGateway[kind]++;
      });
    });
    const own = await createClient(gw.url, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] });
    const { registry } = mesh;
    assert.equal(inProcess.add(gw.url, gw.gateway.app.server), true);
    const orch = await startOrchestrator({}, {
      inProcess,
      config: { gatewayUrl: gw.url, clientId: own.clientId, clientSecret: own.clientSecret, registryUrl: registry.url, runtime: { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true } },
    });
    t.after(() => orch.close());
    inProcess.add(orch.url, orch.orchestrator.runtime.app.server);
    await until('the gateway to route to the orchestrator', async () => gw.gateway.router.agent('orchestrator')?.instances.some((i) => i.inRotation) ?? false);
    const res = await fetch(`${gw.url}/agents/orchestrator`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: runMessage('name: in-memory\nsteps:\n  - { id: sum, call: { agent: tester, skill: sum }, input: { numbers: [1, 2, 3] } }\n') } }),
    });
    const body = (await res.json()) as { result: { task: unknown } };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(outputsOf(body.result.task), { sum: 6 });
    assert.ok(viaGateway.memory >= 1, `step calls through the gateway: ${JSON.stringify(viaGateway)}`);
    assert.equal(viaGateway.tcp, 0, "no step call reached the gateway over TCP");
  });

  test('only plain-HTTP origins are served in memory', () => {
    assert.equal(new InProcessServers().add('https://127.0.0.1:1/', host.runtime.app.server), false);
  });
});
