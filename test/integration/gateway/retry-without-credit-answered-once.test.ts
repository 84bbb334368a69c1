/**
 * A retry without credit for a second hold (ADR 0046, third addendum): a
 * tenant with credit for exactly one call sends a SendMessage, loses the
 * answer and sends the same message again. The gateway cannot hold credit
 * for it, but it charged that messageId for a task, so it forwards the call
 * without a hold as retry-only; the runtime answers it with the task, and
 * nothing more is charged; so is a retry while the first call still holds
 * the credit (its task running). Anything that is not a retry (another message
 * under the id, another context) is refused as short of credit exactly as
 * the gateway refuses, and no work starts. A message answer keeps the 402.
 * Exact and leased holds alike.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { callAgent, createClient, fetchToken, balanceTotal, streamThroughGateway, topUp } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { chargedTo, GREETING, PRICE, pricedWorker } from '../../helpers/priced-worker.js';

const { worker, runs } = pricedWorker();

interface TaskJson {
  id: string;
  status: { state: string };
}

function message(messageId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messageId, role: 'ROLE_USER', parts: [{ text }], ...extra };
}

for (const creditsMode of ['exact', 'lease'] as const) {
  describe(`a retry without credit for a second hold is answered with its task, charged once (${creditsMode} holds)`, () => {
    let mesh: GatewayMesh;
    const scopes = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
    /** One tenant per test: each is given credit for exactly one call. */
    async function tenantWithOneCall(name: string, credits = PRICE): Promise<{ tenant: string; token: string }> {
      const tenant = `${name}-${creditsMode}`;
      const token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: `${tenant}-app`, tenant, scopes }));
      await topUp(mesh.gw.url, tenant, credits / 1000);
      return { tenant, token };
    }

    before(async () => {
      mesh = await startGatewayMesh({ agents: [worker], gateway: { creditsMode } });
    });
    after(async () => {
      await mesh?.close();
    });

    async function jsonRpc(token: string, m: Record<string, unknown>, method = 'SendMessage', headers: Record<string, string> = {}): Promise<{ status: number; body: { result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } } }> {
      const res = await callAgent(mesh.gw.url, 'worker', token, method, { message: m }, { headers });
      return { status: res.status, body: (await res.json()) as never };
    }

    async function rest(token: string, m: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(`${mesh.gw.url}/agents/worker/message:send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
        body: JSON.stringify({ message: m }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    /** The audit rows that name `taskId`, once every queued one is written. */
    async function auditedFor(taskId: string) {
      await mesh.gw.gateway.audit.flush();
      return (await mesh.gw.gateway.audit.tail({ limit: 1000 })).filter((r) => r.taskId === taskId);
    }

    test('the same message sent again is answered with its task over JSON-RPC, HTTP+JSON and A2A 0.3, charged once', async () => {
      const { tenant, token } = await tenantWithOneCall('one-call');
      const text = `alpha ${creditsMode}`;
      const m = message(randomUUID(), text);
      const first = await jsonRpc(token, m);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const task = first.body.result?.['task'] as TaskJson;
      assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
      assert.equal(await balanceTotal(mesh.gw.url, tenant), 0, 'the one call spent every credit');

      const again = await jsonRpc(token, m);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal((again.body.result?.['task'] as TaskJson).id, task.id, 'a retry without credit gets the task its messageId started');
      const overRest = await rest(token, m);
      assert.equal(overRest.status, 200, JSON.stringify(overRest.body));
      assert.equal((overRest.body['task'] as TaskJson).id, task.id, 'over another binding too');
      const legacy = await jsonRpc(token, { kind: 'message', messageId: m['messageId'], role: 'user', parts: [{ kind: 'text', text }] }, 'message/send', { 'a2a-version': '0.3' });
      assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
      assert.equal(legacy.body.result?.['id'], task.id, 'and in A2A 0.3');

      const streamed = await streamThroughGateway(mesh.gw.url, 'worker', token, m);
      assert.equal(streamed.taskId, task.id, 'and streamed');

      assert.equal(runs.get(text), 1, 'the skill ran once');
      assert.deepEqual(await chargedTo(mesh, tenant), { milliCredits: PRICE, calls: 1 });
      assert.equal(await balanceTotal(mesh.gw.url, tenant), 0);
      const charges = (await auditedFor(task.id)).filter((r) => (r.milliCredits ?? 0) > 0);
      assert.equal(charges.length, 1, `one audit row of the charge: ${JSON.stringify(charges)}`);
      const retries = (await mesh.gw.gateway.audit.tail({ limit: 1000 })).filter((r) => r.tenant === tenant && r.detail?.['retryOnly'] === true);
      assert.equal(retries.length, 4, 'each retry is audited as forwarded retry-only');
      assert.ok(retries.every((r) => r.eventType === 'a2a.call' && r.outcome === 'ok' && r.milliCredits === undefined), JSON.stringify(retries));
    });

    test('a retry while the first call still holds the credit is answered with the running task', async () => {
      const { tenant, token } = await tenantWithOneCall('in-flight');
      const text = `hold-in-flight ${creditsMode}`;
      const m = message(randomUUID(), text);
      // The first call waits for its task, which holds until canceled: its hold stays under the messageId.
      const first = jsonRpc(token, m);
      await until('the first call to run', async () => runs.get(text) === 1, 10_000);
      const res = await callAgent(mesh.gw.url, 'worker', token, 'SendMessage', { message: m, configuration: { returnImmediately: true } });
      const again = (await res.json()) as { result?: { task?: TaskJson } };
      assert.equal(res.status, 200, JSON.stringify(again));
      const task = again.result!.task!;
      assert.equal(task.status.state, 'TASK_STATE_WORKING');
      const canceled = await callAgent(mesh.gw.url, 'worker', token, 'CancelTask', { id: task.id });
      assert.equal(canceled.status, 200, await canceled.clone().text());
      const answered = await first;
      assert.equal((answered.body.result?.['task'] as TaskJson | undefined)?.id, task.id, 'the retry got the task the first call started');
      assert.equal(runs.get(text), 1);
      // The canceled task's hold goes back: nothing was charged, to the first call or its retry.
      await until('the hold to be released', async () => (await balanceTotal(mesh.gw.url, tenant)) === PRICE, 15_000);
      assert.deepEqual(await chargedTo(mesh, tenant), { milliCredits: 0, calls: 0 });
    });

    test('the same messageId with another message is refused as short of credit in every binding, and nothing runs', async () => {
      const { tenant, token } = await tenantWithOneCall('other-message');
      const id = randomUUID();
      const first = await jsonRpc(token, message(id, `beta ${creditsMode}`));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const other = `gamma ${creditsMode}`;

      const refused = await jsonRpc(token, message(id, other));
      assert.equal(refused.status, 402, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.code, -32010);
      assert.equal(refused.body.error?.message, `Tenant ${tenant} has 0 milli-credits available; this call needs ${PRICE}`);
      const overRest = await rest(token, message(id, other));
      assert.equal(overRest.status, 402, JSON.stringify(overRest.body));
      assert.equal((overRest.body['error'] as { status?: string } | undefined)?.status, 'FAILED_PRECONDITION', JSON.stringify(overRest.body));
      const legacy = await jsonRpc(token, { kind: 'message', messageId: id, role: 'user', parts: [{ kind: 'text', text: other }] }, 'message/send', { 'a2a-version': '0.3' });
      assert.equal(legacy.status, 402, JSON.stringify(legacy.body));
      assert.equal(legacy.body.error?.code, -32010, JSON.stringify(legacy.body));
      assert.equal(runs.get(other), undefined, 'no task started for the other message');
      assert.deepEqual(await chargedTo(mesh, tenant), { milliCredits: PRICE, calls: 1 });
    });

    test('the same message in another context is not a retry: the runtime refuses it as the gateway would, and nothing runs', async () => {
      const { tenant, token } = await tenantWithOneCall('other-context');
      const text = `delta ${creditsMode}`;
      const id = randomUUID();
      assert.equal((await jsonRpc(token, message(id, text))).status, 200);
      const contextId = randomUUID();
      // The gateway forwards it (it charged this messageId); only the runtime knows the context differs.
      const refused = await jsonRpc(token, message(id, text, { contextId }));
      assert.equal(refused.status, 402, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.code, -32010);
      assert.equal(refused.body.error?.message, `Tenant ${tenant} has 0 milli-credits available; this call needs ${PRICE}`);
      const overRest = await rest(token, message(id, text, { contextId }));
      assert.equal(overRest.status, 402, JSON.stringify(overRest.body));
      assert.equal((overRest.body['error'] as { status?: string } | undefined)?.status, 'FAILED_PRECONDITION', JSON.stringify(overRest.body));
      const legacy = await jsonRpc(token, { kind: 'message', messageId: id, contextId, role: 'user', parts: [{ kind: 'text', text }] }, 'message/send', { 'a2a-version': '0.3' });
      assert.equal(legacy.status, 402, JSON.stringify(legacy.body));
      assert.equal(legacy.body.error?.code, -32010, JSON.stringify(legacy.body));
      assert.equal(runs.get(text), 1, 'the skill did not run again');
      assert.deepEqual(await chargedTo(mesh, tenant), { milliCredits: PRICE, calls: 1 });
      await mesh.gw.gateway.audit.flush();
      const denied = (await mesh.gw.gateway.audit.tail({ limit: 1000 })).filter((r) => r.tenant === tenant && r.detail?.['retryOnly'] === true);
      assert.equal(denied.length, 3);
      assert.ok(denied.every((r) => r.eventType === 'credits.insufficient' && r.outcome === 'denied'), JSON.stringify(denied));
    });

    test('a message answer keeps the 402: its retry would run its skill again', async () => {
      const { tenant, token } = await tenantWithOneCall('greeting', GREETING);
      const text = `epsilon ${creditsMode}`;
      const m = message(randomUUID(), text, { metadata: { skillId: 'greet' } });
      const first = await jsonRpc(token, m);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.ok(first.body.result?.['message'] !== undefined);
      const again = await jsonRpc(token, m);
      assert.equal(again.status, 402, JSON.stringify(again.body));
      assert.equal(runs.get(text), 1);
      assert.deepEqual(await chargedTo(mesh, tenant), { milliCredits: GREETING, calls: 1 });
    });

    test('a new messageId without credit is refused by the gateway, never forwarded', async () => {
      const { token } = await tenantWithOneCall('new-id');
      assert.equal((await jsonRpc(token, message(randomUUID(), `zeta ${creditsMode}`))).status, 200);
      const text = `eta ${creditsMode}`;
      const refused = await jsonRpc(token, message(randomUUID(), text));
      assert.equal(refused.status, 402, JSON.stringify(refused.body));
      assert.equal(runs.get(text), undefined);
    });

    test('an agent whose card does not declare it reads the claim keeps the 402: it would run the retry unpaid', async () => {
      const { token } = await tenantWithOneCall('undeclared');
      const text = `theta ${creditsMode}`;
      const m = message(randomUUID(), text);
      assert.equal((await jsonRpc(token, m)).status, 200);
      const capabilities = mesh.gw.gateway.router.agent('worker')!.record.card.capabilities!;
      const declared = capabilities.extensions;
      capabilities.extensions = [];
      try {
        const refused = await jsonRpc(token, m);
        assert.equal(refused.status, 402, JSON.stringify(refused.body));
      } finally {
        capabilities.extensions = declared;
      }
      assert.equal(runs.get(text), 1);
    });

    test('every credit is accounted for: no hold left but leases, the ledger reconciles', async () => {
      await mesh.gw.gateway.credits.flush();
      const ledger = mesh.gw.gateway.ledger;
      assert.deepEqual((await ledger.reconcile()).discrepancies, []);
      assert.equal((await mesh.gw.gateway.audit.verify()).ok, true);
    });
  });
}
