/**
 * Streamed calls on the fleet path (PostgreSQL + Redis), ADR 0026: a
 * SendStreamingMessage whose stream ends its task settles from the stream
 * (its final status carries the usage) into the replica's lease batch, as a
 * blocking call does: no reservation of its own, no tracking row, no read of
 * the task, one journal entry per batch, and the call's one audit entry says
 * what it was charged. Killing the replica with SIGKILL mid-load loses
 * nothing the blocking path would not: every credit is either charged to a
 * settled call or, once the dead replica's lease expires, back in the
 * tenant's balance; the ledger reconciles and the audit chain verifies.
 *
 * Replica B (the one streamed through, then killed) is a real `agentmesh
 * serve gateway` child; replica A, in this process, set up the deployment
 * and reads the ledger and audit trail afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { available, createClient, fetchToken, streamThroughGateway, topUp } from '../helpers/gateway-fixture.js';
import { taskChargeKey } from '../../src/gateway/settle-or-track.js';
import { startGatewayAndChildReplica } from '../helpers/gateway-replicas.js';
import { startRuntime } from '../helpers/runtime-fixture.js';
import { REDIS_URL, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { meterAgent, METER_USED } from '../helpers/meter-agent.js';
import { closeInTurn } from '../helpers/close-in-turn.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const SECRET = 'streamed-settlements-test-secret-0123456789';

const meter = meterAgent({ progress: true });

/** A SendStreamingMessage read to its end; the task id and its last state. */
function stream(url: string, token: string, messageId: string): Promise<{ taskId: string | undefined; state: string | undefined }> {
  return streamThroughGateway(url, 'meter', token, { messageId, role: 'ROLE_USER', parts: [{ text: messageId.slice(0, 8) }] });
}

describe('streamed calls settle in the replica batch, and a killed replica loses nothing', { skip }, () => {
  let replicas: Awaited<ReturnType<typeof startGatewayAndChildReplica>>;
  let a: typeof replicas.a;
  let b: typeof replicas.b;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let token: string;
  let database: Database;
  const tenant = `stream-${randomSuffix()}`;
  const TOPPED_UP = 1_000_000;

  before(async () => {
    replicas = await startGatewayAndChildReplica({ redisUrl: REDIS_URL, secret: SECRET });
    ({ a, b } = replicas);
    host = await startRuntime([meter], { registryUrl: replicas.registry.url, gatewayJwksUrl: replicas.jwksUrl, requireGatewayAssertion: true });
    token = await fetchToken(a.url, await createClient(a.url, { name: 'streamer', tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(a.url, tenant, TOPPED_UP / 1000);
    database = await createDatabase({ url: replicas.schema.url, migrate: false });
    await until('B to route to the meter', async () => (await fetch(`${b.url}/agents/meter/.well-known/agent-card.json`)).status === 200);
  });
  after(() => closeInTurn(host, database, replicas));

  const db = () => database.db;

  test('40 streamed calls: settled from their streams in batches, never pinned, tracked or read back; one audit entry each with the charge', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    // Each call's charge ends under its task's key (ADR 0046: a task is charged once, whatever messageId reached it).
    const keys: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const { state, taskId } = await stream(b.url, token, ids[i]!);
          assert.equal(state, 'TASK_STATE_COMPLETED');
          keys.push(taskChargeKey('meter', tenant, taskId!));
        }
      }),
    );
    const settled = async () => db().selectFrom('credit_reservations').select(['key', 'status', 'charged']).where('key', 'in', keys).execute();
    await until('B to write the settlements', async () => (await settled()).length === keys.length);
    for (const row of await settled()) assert.deepEqual({ status: row.status, charged: Number(row.charged) }, { status: 'settled', charged: METER_USED });
    // Never tracked: no open row, no reservation of its own carved out of the lease (its `reserve` entry), and
    // settle entries per batch (one per agent per lease write), not per call. A stream's end waits for its
    // settlement's write (ADR 0035), so a write groups the calls that ended while the previous one committed.
    assert.equal((await db().selectFrom('gateway_open_reservations').select('key').execute()).length, 0);
    const entries = await db().selectFrom('credit_entries').select(['kind']).where('tenant', '=', tenant).execute();
    const count = (kind: string) => entries.filter((e) => e.kind === kind).length;
    assert.ok(count('reserve') <= 2, `${count('reserve')} reserve entries: leases only`);
    assert.ok(count('settle') < keys.length, `${count('settle')} settle entries for ${keys.length} calls`);
    // The call's own audit entry says it settled and what it cost; nothing is settled later.
    await until('B to write the audit entries', async () => (await db().selectFrom('audit_log').select('seq').where('tenant', '=', tenant).where('event_type', '=', 'a2a.call').execute()).length >= keys.length);
    const audited = await db().selectFrom('audit_log').select(['event_type', 'milli_credits', 'detail']).where('tenant', '=', tenant).execute();
    const calls = audited.filter((r) => r.event_type === 'a2a.call');
    assert.equal(calls.length, keys.length);
    for (const row of calls) {
      assert.equal(Number(row.milli_credits), METER_USED);
      assert.equal(JSON.parse(row.detail ?? '{}').settled, true);
    }
    assert.equal(audited.filter((r) => r.event_type === 'credits.settled').length, 0);
  });

  test('SIGKILL of the replica mid-load: every credit is charged to a settled call or returned when its lease expires; the ledger reconciles, the chain verifies', async () => {
    let stop = false;
    const finished: string[] = [];
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          const { state } = await stream(b.url, token, randomUUID());
          if (state === 'TASK_STATE_COMPLETED') finished.push('ok');
        } catch {
          // The replica died under this call.
          return;
        }
      }
    });
    const settledCount = async () => (await db().selectFrom('credit_reservations').select('key').where('tenant', '=', tenant).where('status', '=', 'settled').where('agent', '=', 'meter').execute()).length;
    // Killed while calls stream and settlements of this load are already being written.
    await until('some of the load to be settled and written', async () => finished.length >= 20 && (await settledCount()) >= 40 + 10);
    const exited = once(b.child, 'exit');
    b.child.kill('SIGKILL');
    await exited;
    stop = true;
    await Promise.all(load);

    // B's lease is still held in the ledger; the hold-expiry policy (here run as if its max hold had passed) returns it.
    const ledger = a.gateway.ledger;
    const held = (await ledger.holds(tenant)).filter((h) => h.agent === 'gateway-lease');
    assert.ok(held.length >= 1, 'the dead replica left its lease held');
    await ledger.expireHolds({ now: Date.now() + 3_600_000, maxHoldMs: 60_000 });
    assert.deepEqual(await ledger.holds(tenant), []);

    const rows = await db().selectFrom('credit_reservations').select(['charged']).where('tenant', '=', tenant).where('status', '=', 'settled').where('agent', '=', 'meter').execute();
    const charged = rows.reduce((sum, r) => sum + Number(r.charged), 0);
    assert.ok(rows.length >= 40 + 10, `${rows.length} settled calls`);
    assert.equal(await available(a.url, tenant), TOPPED_UP - charged);
    const report = await ledger.reconcile();
    assert.equal(report.ok, true, JSON.stringify(report.discrepancies));
    await a.gateway.audit.flush();
    const verdict = await a.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
  });
});
