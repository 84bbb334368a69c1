/**
 * A denied call never ran, so it is never left charged (docs/approvals.md, "Approving and
 * denying"): when the ledger cannot take the refund at the moment of the denial (a lock the test
 * holds on the reservations, and a lock timeout on the gateway's sessions, as a terminated session
 * or a database restart would fail it), the denial still stands and the gateway's next sweep
 * releases the hold. Found by the nemesis run's credits check (`charged-for-failure` of a denied
 * call while PostgreSQL sessions were being terminated). Real PostgreSQL, gateway, registry and runtime.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, available, callAgent } from '../helpers/gateway-fixture.js';
import { startGatewayMeshFor, type GatewayMesh } from '../helpers/gateway-mesh.js';
import { textPaymentsAgent } from '../helpers/payments-agent.js';
import { createTestSchema, postgresSkipReason, randomSuffix, withPgClient, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();
const TENANT = `denied-${randomSuffix()}`;
const PRICE = 4;
const { agent: payments, runs } = textPaymentsAgent(PRICE);

describe('a denied call whose refund the ledger could not take at once', { skip }, () => {
  let schema: TestSchema;
  let mesh: (GatewayMesh & { token: string }) | undefined;

  before(async () => {
    schema = await createTestSchema();
    // A short lock timeout on the gateway's sessions: a write blocked by the test's lock fails, as a lost session's would.
    const url = new URL(schema.url);
    url.searchParams.set('options', `-c search_path=${schema.name} -c lock_timeout=300`);
    mesh = await startGatewayMeshFor(
      { name: 'buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'], credits: 100 },
      { agents: [payments], gateway: { databaseUrl: url.toString(), creditsMode: 'exact', approvals: { rules: [{ id: 'every-payment', agent: 'payments', reason: 'finance decides' }], sweepIntervalMs: 600_000 } } },
    );
  });
  after(async () => {
    await mesh?.close();
    await schema?.drop();
  });

  test('the denial stands, and the next sweep releases the hold', async () => {
    const { gw, token } = mesh!;
    const sent = await callAgent(gw.url, 'payments', token, 'SendMessage', { message: { messageId: `m-${randomSuffix()}`, role: 'ROLE_USER', parts: [{ text: 'pay' }] } });
    const parked = ((await sent.json()) as { result: { task: { id: string; status: { state: string } } } }).result.task;
    assert.equal(parked.status.state, 'TASK_STATE_AUTH_REQUIRED');
    assert.equal(await available(gw.url, TENANT), (100 - PRICE) * 1000, 'the estimate is held');

    await withPgClient(schema.url, async (client) => {
      await client.query('BEGIN');
      // Reads go on; the refund's write waits on this lock and times out.
      await client.query('LOCK TABLE credit_reservations IN EXCLUSIVE MODE');
      const denied = await fetch(`${gw.url}/v1/approvals/${parked.id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'not this one' }) });
      const body = await denied.text();
      assert.equal(denied.status, 200, body);
      assert.equal((JSON.parse(body) as { state: string }).state, 'denied');
      await client.query('COMMIT');
    });
    assert.equal(await available(gw.url, TENANT), (100 - PRICE) * 1000, 'the refund failed while the reservations were locked (else this test shows nothing)');

    await gw.gateway.approvals.sweep();
    assert.equal(await available(gw.url, TENANT), 100 * 1000, 'the sweep released the hold of the denied call');
    assert.deepEqual(runs, [], 'the denied call never reached the agent');
  });
});
