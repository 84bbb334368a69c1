/**
 * What the bridge suites call: three ACP agents on the tests' reference server
 * (echo, interviewer, holder: written from the ACP document, not from
 * src/acp), registered as bridged with a price per call, behind a gateway
 * that holds exactly per call, and one client of `tenant` with credits.
 */
import assert from 'node:assert/strict';
import { TaskState, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { startAcpReferenceServer, type AcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { available, createClient, fetchToken, startGateway, topUp } from '../../helpers/gateway-fixture.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const manifest = (name: string, description: string) => ({ name, description, input_content_types: ['text/plain', 'application/json'], output_content_types: ['text/plain', 'application/json'] });

/** The scopes of the suites' clients. */
export const BRIDGE_SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];

export interface BridgedAgents {
  acp: AcpReferenceServer;
  gw: Awaited<ReturnType<typeof startGateway>>;
  /** The bearer of `tenant`'s client (100 credits). */
  token: string;
  /** A client of a tenant of its own (`<tenant>-<name>`, 10 credits): its available balance moves only with its own calls. */
  freshTenant(name: string): Promise<{ token: string; tenant: string }>;
  close(): Promise<void>;
}

export async function startBridgedAgents(options: { creditsPerCall: number; tenant: string; clientName: string }): Promise<BridgedAgents> {
  const acp = await startAcpReferenceServer({
    manifests: [manifest('echo', 'Echoes what it is sent'), manifest('interviewer', 'Asks for a name, then greets'), manifest('holder', 'Works until released or cancelled')],
    behaviours: { echo: 'echo', interviewer: 'interview', holder: 'hold' },
  });
  const registry = await startRegistry({ probeIntervalMs: 200 });
  // Exact per-call holds: the tests read each call's hold in the tenant's available balance (leases reserve blocks).
  const gw = await startGateway(registry.url, { creditsMode: 'exact' });
  for (const name of ['echo', 'interviewer', 'holder']) {
    const res = await call(registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url, name, metadata: { skills: { [name]: { pricing: { creditsPerCall: options.creditsPerCall } } } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  for (const name of ['echo', 'interviewer', 'holder']) {
    await until(`the gateway to route to ${name}`, async () => gw.gateway.router.agent(name)?.instances.some((i) => i.inRotation) ?? false);
  }
  const token = await fetchToken(gw.url, await createClient(gw.url, { name: options.clientName, tenant: options.tenant, scopes: BRIDGE_SCOPES }));
  await topUp(gw.url, options.tenant, 100);
  return {
    acp,
    gw,
    token,
    async freshTenant(name) {
      const own = `${options.tenant}-${name}`;
      const bearer = await fetchToken(gw.url, await createClient(gw.url, { name: own, tenant: own, scopes: BRIDGE_SCOPES }));
      await topUp(gw.url, own, 10);
      return { token: bearer, tenant: own };
    },
    close: () => closeInTurn(gw, registry, acp),
  };
}

/**
 * Resubscribes with `client` to the held run `taskId`, releases the run on the reference server once
 * the subscription has its first event, and returns every event the subscription gave until it ended.
 */
export async function followReleasedRun(client: Client, acp: AcpReferenceServer, taskId: string): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  const following = (async () => {
    for await (const e of client.resubscribeTask({ tenant: '', id: taskId })) events.push(e);
  })();
  await until('the subscription to start', async () => events.length > 0);
  acp.release(taskId);
  await following;
  return events;
}

/**
 * Cancels with `client` the run `started` holds for `tenant`, asserting what a cancel does: the run held
 * `price` credits of the `before` available balance, the task ends canceled, the reference server's run
 * is cancelled, and the hold comes back.
 */
export async function cancelHeldRun(bridged: Pick<BridgedAgents, 'acp' | 'gw'>, client: Client, started: Task, hold: { tenant: string; before: number; price: number }): Promise<void> {
  const { acp, gw } = bridged;
  assert.notEqual(started.status?.state, TaskState.TASK_STATE_COMPLETED);
  assert.equal(await available(gw.url, hold.tenant), hold.before - hold.price * 1000, 'the run holds its price');
  const canceled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
  assert.equal(canceled.status?.state, TaskState.TASK_STATE_CANCELED);
  assert.equal(acp.runs.get(started.id)?.['status'], 'cancelled');
  await until('the hold to be refunded', async () => (await available(gw.url, hold.tenant)) === hold.before);
}
