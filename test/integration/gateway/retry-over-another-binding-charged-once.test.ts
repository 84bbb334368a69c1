/**
 * A retry of the same message sent over another binding or protocol version
 * through the gateway (ADR 0046, second addendum): JSON-RPC, HTTP+JSON and
 * A2A 0.3 spell one message differently, yet it is one call, charged once,
 * for a task answer and a message answer alike. A message whose ids use the
 * proto field names (`message_id`) is held and charged like any.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LEASE_AGENT } from '../../../src/gateway/credits/index.js';
import { balanceTotal, callAgent } from '../../helpers/gateway-fixture.js';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { chargedTo, GREETING, PRICE, pricedWorker } from '../../helpers/priced-worker.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const TENANT = 'rebinder';

const { worker, runs } = pricedWorker();

describe('a retry over another binding through the gateway is charged once', () => {
  const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'rebinder-app', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'], credits: 100 }, { agents: [worker], gateway: { creditsMode: 'exact' } }));

  const charged = () => chargedTo(mesh(), TENANT);

  /** SendMessage over JSON-RPC (A2A 1.0): the result (a task or a message). */
  async function overJsonRpc(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await callAgent(mesh().gw.url, 'worker', mesh().token, 'SendMessage', { message });
    const body = (await res.json()) as { result?: Record<string, unknown> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(body.result !== undefined, JSON.stringify(body));
    return body.result;
  }

  /** SendMessage over HTTP+JSON (A2A 1.0). */
  async function overRest(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${mesh().gw.url}/agents/worker/message:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${mesh().token}` },
      body: JSON.stringify({ message }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  }

  /** message/send over JSON-RPC (A2A 0.3): the result (a task or a message, with `kind`). */
  async function overV03(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await callAgent(mesh().gw.url, 'worker', mesh().token, 'message/send', { message }, { headers: { 'a2a-version': '0.3' } });
    const body = (await res.json()) as { result?: Record<string, unknown> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(body.result !== undefined, JSON.stringify(body));
    return body.result;
  }

  test('a task: sent over JSON-RPC, retried over HTTP+JSON and A2A 0.3, is one task charged once', async () => {
    const before = await charged();
    const messageId = randomUUID();
    const text = 'alpha';
    const first = (await overJsonRpc({ messageId, role: 'ROLE_USER', parts: [{ text }] }))['task'] as { id: string };
    const again = (await overRest({ messageId, role: 'ROLE_USER', parts: [{ text }] }))['task'] as { id: string };
    const legacy = await overV03({ kind: 'message', messageId, role: 'user', parts: [{ kind: 'text', text }] });
    assert.equal(again.id, first.id, 'the runtime answers the retry with the task the messageId started');
    assert.equal(legacy['id'], first.id);
    assert.equal(runs.get(text), 1);
    const now = await charged();
    assert.deepEqual({ milliCredits: now.milliCredits - before.milliCredits, calls: now.calls - before.calls }, { milliCredits: PRICE, calls: 1 });
  });

  test('a message answer: sent over JSON-RPC, retried over HTTP+JSON and A2A 0.3, is charged once', async () => {
    const before = await charged();
    const messageId = randomUUID();
    const text = 'beta';
    const v1 = { messageId, role: 'ROLE_USER', parts: [{ text }], metadata: { skillId: 'greet' } };
    assert.ok((await overJsonRpc(v1))['message'] !== undefined);
    assert.ok((await overRest(v1))['message'] !== undefined);
    assert.equal((await overV03({ kind: 'message', messageId, role: 'user', parts: [{ kind: 'text', text }], metadata: { skillId: 'greet' } }))['kind'], 'message');
    assert.equal(runs.get(text), 3, 'a message answer has no task to answer a retry with: the skill runs again');
    const now = await charged();
    assert.deepEqual({ milliCredits: now.milliCredits - before.milliCredits, calls: now.calls - before.calls }, { milliCredits: GREETING, calls: 1 });
  });

  test('a message whose ids use the proto field names is held and charged', async () => {
    const before = await charged();
    const first = (await overRest({ message_id: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'gamma' }] }))['task'] as { id: string };
    assert.ok(first.id);
    const now = await charged();
    assert.deepEqual({ milliCredits: now.milliCredits - before.milliCredits, calls: now.calls - before.calls }, { milliCredits: PRICE, calls: 1 });
  });

  test('every credit is accounted for', async () => {
    await mesh().gw.gateway.credits.flush();
    const ledger = mesh().gw.gateway.ledger;
    assert.deepEqual((await ledger.holds(TENANT)).filter((h) => h.agent !== LEASE_AGENT), []);
    assert.equal(await balanceTotal(mesh().gw.url, TENANT), 100_000 - (await charged()).milliCredits);
    assert.deepEqual((await ledger.reconcile()).discrepancies, []);
  });
});
