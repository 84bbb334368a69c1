import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createCreditLedger, LOW_BALANCE_TOPIC, type LowBalanceEvent } from '../../../src/tenancy/index.js';
import { concurrentReservations, lowBalances, mixedTasks } from './ledger-scenarios.js';
import { sqliteLedgerForSuite } from '../../helpers/sqlite-ledger.js';

const logger = createLogger({ level: 'silent' });

describe('credit ledger on SQLite', () => {

  const { ledger, database, bus, metrics } = sqliteLedgerForSuite('agentmesh-ledger-', { lowBalanceMilliCredits: 1_000, maxTenantLabels: 50 });

  test('a hold moves credits from available to reserved; settling below the hold charges the actual and releases the rest', async () => {
    await ledger().topUp('acme', 10_000, 'acme-1');
    const reservation = await ledger().reserve({ tenant: 'acme', key: 'enricher:t1', milliCredits: 3_000, agent: 'enricher', skill: 'enrichLeads', clientId: 'c1' });
    assert.equal(reservation.status, 'held');
    assert.equal(reservation.replayed, false);
    assert.equal(reservation.clientId, 'c1');
    assert.deepEqual(await ledger().balance('acme'), { tenant: 'acme', milliCredits: 10_000, reservedMilliCredits: 3_000, availableMilliCredits: 7_000 });
    const settlement = await ledger().settle('enricher:t1', 1_200, { state: 'TASK_STATE_COMPLETED' });
    assert.equal(settlement.status, 'settled');
    assert.equal(settlement.chargedMilliCredits, 1_200);
    assert.equal(settlement.releasedMilliCredits, 1_800);
    assert.equal(settlement.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(await ledger().balance('acme'), { tenant: 'acme', milliCredits: 8_800, reservedMilliCredits: 0, availableMilliCredits: 8_800 });
  });

  test('a settle above the hold charges the hold, no more', async () => {
    await ledger().topUp('capped', 5_000, 'capped-1');
    await ledger().reserve({ tenant: 'capped', key: 'k:cap', milliCredits: 2_000, agent: 'scorer', skill: 'score' });
    const settlement = await ledger().settle('k:cap', 4_500);
    assert.equal(settlement.chargedMilliCredits, 2_000);
    assert.equal(settlement.requestedMilliCredits, 4_500);
    assert.equal(settlement.releasedMilliCredits, 0);
    assert.equal((await ledger().balance('capped')).availableMilliCredits, 3_000);
    assert.match((await metrics().render()).body, /agentmesh_tenancy_credits_uncharged_millicredits_total\{tenant="capped"\} 2500/);
  });

  test('a refund releases the whole hold; retries of reserve, settle and refund change nothing', async () => {
    await ledger().topUp('retry', 10_000, 'retry-1');
    const first = await ledger().reserve({ tenant: 'retry', key: 'k:r1', milliCredits: 4_000, agent: 'a', skill: 's' });
    const again = await ledger().reserve({ tenant: 'retry', key: 'k:r1', milliCredits: 9_999, agent: 'a', skill: 's' });
    assert.equal(again.replayed, true);
    assert.equal(again.id, first.id);
    assert.equal(again.milliCredits, 4_000, 'the first reservation wins');
    assert.equal((await ledger().balance('retry')).availableMilliCredits, 6_000);

    const refund = await ledger().refund('k:r1', 'task failed');
    assert.equal(refund.status, 'refunded');
    assert.equal(refund.releasedMilliCredits, 4_000);
    assert.equal(refund.reason, 'task failed');
    const refundAgain = await ledger().refund('k:r1', 'again');
    assert.equal(refundAgain.replayed, true);
    assert.equal(refundAgain.reason, 'task failed');
    const settleAfterRefund = await ledger().settle('k:r1', 4_000);
    assert.equal(settleAfterRefund.status, 'refunded');
    assert.equal(settleAfterRefund.replayed, true);
    assert.equal((await ledger().balance('retry')).availableMilliCredits, 10_000);

    await ledger().reserve({ tenant: 'retry', key: 'k:r2', milliCredits: 1_000, agent: 'a', skill: 's' });
    await ledger().settle('k:r2', 700);
    const settleAgain = await ledger().settle('k:r2', 1_000);
    assert.equal(settleAgain.replayed, true);
    assert.equal(settleAgain.chargedMilliCredits, 700);
    const refundAfterSettle = await ledger().refund('k:r2', 'late cancel');
    assert.equal(refundAfterSettle.status, 'settled', 'a refund after a settle is refused');
    assert.equal(refundAfterSettle.replayed, true);
    assert.equal((await ledger().balance('retry')).availableMilliCredits, 9_300);
  });

  test('a retry after a refund holds again (the call may run this time); after a settle it replays', async () => {
    await ledger().topUp('again', 10_000, 'again-1');
    const first = await ledger().reserve({ tenant: 'again', key: 'agent:again:m1', milliCredits: 3_000, agent: 'agent', skill: 's' });
    await ledger().refund('agent:again:m1', 'the call did not reach the agent');
    const retry = await ledger().reserve({ tenant: 'again', key: 'agent:again:m1', milliCredits: 2_500, agent: 'agent', skill: 's' });
    assert.equal(retry.replayed, false);
    assert.equal(retry.id, first.id, 'the same reservation, held again');
    assert.equal(retry.status, 'held');
    assert.equal(retry.milliCredits, 2_500);
    assert.equal((await ledger().balance('again')).availableMilliCredits, 7_500);
    const settled = await ledger().settle('agent:again:m1', 2_000);
    assert.equal(settled.chargedMilliCredits, 2_000);
    assert.equal(settled.replayed, false);
    const afterSettle = await ledger().reserve({ tenant: 'again', key: 'agent:again:m1', milliCredits: 2_500, agent: 'agent', skill: 's' });
    assert.equal(afterSettle.replayed, true);
    assert.equal(afterSettle.status, 'settled');
    assert.equal((await ledger().balance('again')).availableMilliCredits, 8_000, 'charged once');
    // Re-holding a refunded reservation needs the balance like any hold, and a refusal leaves it refunded.
    await ledger().reserve({ tenant: 'again', key: 'agent:again:m2', milliCredits: 8_000, agent: 'agent', skill: 's' });
    await ledger().refund('agent:again:m2', 'failed');
    await ledger().reserve({ tenant: 'again', key: 'agent:again:m3', milliCredits: 7_000, agent: 'agent', skill: 's' });
    await assert.rejects(ledger().reserve({ tenant: 'again', key: 'agent:again:m2', milliCredits: 8_000, agent: 'agent', skill: 's' }), { code: 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS' });
    assert.equal((await ledger().refund('agent:again:m2', 'again')).replayed, true);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('concurrent retries of one key hold once', async () => {
    await ledger().topUp('dup', 1_000, 'dup-1');
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger().reserve({ tenant: 'dup', key: 'k:dup', milliCredits: 600, agent: 'a', skill: 's' })));
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    assert.equal((await ledger().balance('dup')).reservedMilliCredits, 600);
  });

  test('a short balance is refused with 402 details, and writes nothing', async () => {
    await ledger().topUp('poor', 500, 'poor-1');
    await assert.rejects(ledger().reserve({ tenant: 'poor', key: 'k:poor', milliCredits: 501, agent: 'a', skill: 's' }), (err: any) => {
      assert.equal(err.code, 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS');
      assert.equal(err.statusCode, 402);
      assert.deepEqual(err.details, { tenant: 'poor', balance: '500', needed: '501' });
      return true;
    });
    await assert.rejects(ledger().reserve({ tenant: 'nobody', key: 'k:nobody', milliCredits: 1, agent: 'a', skill: 's' }), { code: 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS' });
    // The refused key was not kept: after a top-up the same key reserves normally.
    await ledger().topUp('poor', 1, 'poor-2');
    const ok = await ledger().reserve({ tenant: 'poor', key: 'k:poor', milliCredits: 501, agent: 'a', skill: 's' });
    assert.equal(ok.replayed, false);
    assert.equal((await ledger().balance('poor')).availableMilliCredits, 0);
    // A free call needs no balance and still counts as a call.
    const free = await ledger().reserve({ tenant: 'nobody', key: 'k:free', milliCredits: 0, agent: 'a', skill: 's' });
    assert.equal((await ledger().settle(free.key, 0)).chargedMilliCredits, 0);
    assert.deepEqual(await ledger().usage({ tenant: 'nobody', groupBy: [] }), [{ milliCredits: 0, calls: 1 }]);
  });

  test('rekey moves a hold from the message id to the task id; a retry is a no-op, a taken key is refused', async () => {
    await ledger().topUp('rk', 5_000, 'rk-1');
    await ledger().reserve({ tenant: 'rk', key: 'rk:enricher:msg-1', milliCredits: 2_000, agent: 'enricher', skill: 's' });
    await ledger().rekey('rk:enricher:msg-1', 'enricher:task-1');
    await ledger().rekey('rk:enricher:msg-1', 'enricher:task-1');
    await assert.rejects(ledger().settle('rk:enricher:msg-1', 1), { code: 'AM_ERR_TENANCY_INVALID_ARGUMENT' });
    assert.equal((await ledger().settle('enricher:task-1', 500)).chargedMilliCredits, 500);
    await ledger().reserve({ tenant: 'rk', key: 'rk:other', milliCredits: 1, agent: 'enricher', skill: 's' });
    await assert.rejects(ledger().rekey('rk:other', 'enricher:task-1'), /already names another reservation/);
    await assert.rejects(ledger().rekey('rk:missing', 'enricher:task-9'), /names no reservation/);
  });

  test("another tenant cannot reuse a key to see or move someone's reservation", async () => {
    await ledger().topUp('mallory', 5_000, 'mallory-1');
    await assert.rejects(ledger().reserve({ tenant: 'mallory', key: 'enricher:t1', milliCredits: 1, agent: 'enricher', skill: 's' }), { code: 'AM_ERR_TENANCY_INVALID_ARGUMENT' });
  });

  test('top-ups are idempotent by reference; a reference reused for another amount is refused', async () => {
    const first = await ledger().topUp('topper', 2_500, 'inv-1');
    assert.equal(first.replayed, false);
    const again = await ledger().topUp('topper', 2_500, 'inv-1');
    assert.equal(again.replayed, true);
    assert.equal(again.createdAt, first.createdAt);
    assert.equal(again.balance.availableMilliCredits, 2_500);
    await assert.rejects(ledger().topUp('topper', 3_000, 'inv-1'), /already used for a top-up of 2500 milli-credits to topper/);
    await assert.rejects(ledger().topUp('other', 2_500, 'inv-1'), { code: 'AM_ERR_TENANCY_INVALID_ARGUMENT' });
    await assert.rejects(ledger().topUp('topper', 0, 'inv-2'), /milliCredits must be from 1/);
    await assert.rejects(ledger().topUp('topper', 1.5, 'inv-2'), /integer number of milli-credits/);
  });

  test('bad arguments are refused with the field named', async () => {
    await assert.rejects(ledger().reserve({ tenant: 'has space', key: 'k', milliCredits: 1, agent: 'a', skill: 's' }), /tenant must be/);
    await assert.rejects(ledger().reserve({ tenant: 'ok', key: '', milliCredits: 1, agent: 'a', skill: 's' }), /key must be a non-empty string/);
    await assert.rejects(ledger().reserve({ tenant: 'ok', key: 'k', milliCredits: -1, agent: 'a', skill: 's' }), /milliCredits must be at least 0/);
    await assert.rejects(ledger().settle('enricher:t1', Number.NaN), /milliCredits must be an integer/);
    await assert.rejects(ledger().usage({ tenant: 'acme', groupBy: ['week' as never] }), /groupBy must name only agent, skill, day/);
    await assert.rejects(ledger().usage({ tenant: 'acme', groupBy: [], from: 'yesterday' }), /from must be a date/);
    await assert.rejects(ledger().usage({ tenant: 'acme', groupBy: [], from: '2026-02-30' }), /from must be a date/);
    await assert.rejects(ledger().usage({ tenant: 'acme', groupBy: [], from: '2026-03-02', to: '2026-03-01' }), /to must be after from/);
    assert.throws(() => createCreditLedger({ database: database(), logger, metrics: metrics(), lowBalanceMilliCredits: -5 }), /lowBalanceMilliCredits/);
  });

  test('usage groups settled calls by agent, skill and UTC day, within from/to', async (t) => {
    const day = (d: string) => Date.parse(`${d}T12:00:00Z`);
    t.mock.timers.enable({ apis: ['Date'], now: day('2026-08-01') });
    await ledger().topUp('usage', 100_000, 'usage-1');
    const call = async (key: string, agent: string, skill: string, hold: number, actual: number | 'refund') => {
      await ledger().reserve({ tenant: 'usage', key, milliCredits: hold, agent, skill });
      if (actual === 'refund') await ledger().refund(key, 'failed');
      else await ledger().settle(key, actual);
    };
    await call('u1', 'enricher', 'enrichLeads', 3_000, 3_000);
    await call('u2', 'enricher', 'dedupe', 1_000, 400);
    await call('u3', 'scorer', 'score', 2_000, 'refund');
    t.mock.timers.setTime(day('2026-08-02'));
    await call('u4', 'enricher', 'enrichLeads', 5_000, 2_500);
    await call('u5', 'scorer', 'score', 2_000, 1_000);
    t.mock.timers.reset();

    assert.deepEqual(await ledger().usage({ tenant: 'usage', groupBy: ['agent'] }), [
      { agent: 'enricher', milliCredits: 5_900, calls: 3 },
      { agent: 'scorer', milliCredits: 1_000, calls: 1 },
    ]);
    assert.deepEqual(await ledger().usage({ tenant: 'usage', groupBy: ['day', 'agent', 'skill'] }), [
      { day: '2026-08-01', agent: 'enricher', skill: 'dedupe', milliCredits: 400, calls: 1 },
      { day: '2026-08-01', agent: 'enricher', skill: 'enrichLeads', milliCredits: 3_000, calls: 1 },
      { day: '2026-08-02', agent: 'enricher', skill: 'enrichLeads', milliCredits: 2_500, calls: 1 },
      { day: '2026-08-02', agent: 'scorer', skill: 'score', milliCredits: 1_000, calls: 1 },
    ]);
    assert.deepEqual(await ledger().usage({ tenant: 'usage', groupBy: ['skill'], from: '2026-08-02' }), [
      { skill: 'enrichLeads', milliCredits: 2_500, calls: 1 },
      { skill: 'score', milliCredits: 1_000, calls: 1 },
    ]);
    assert.deepEqual(await ledger().usage({ tenant: 'usage', groupBy: [], to: '2026-08-01' }), [{ milliCredits: 3_400, calls: 2 }], 'a date as `to` includes that day');
    assert.deepEqual(await ledger().usage({ tenant: 'usage', groupBy: [], to: '2026-08-01T12:00:00Z' }), [], 'an instant as `to` is exclusive');
    assert.deepEqual(await ledger().usage({ tenant: 'nobody-at-all', groupBy: ['agent'] }), []);
  });

  test('low balance: one event per crossing (listener, bus, metric), re-armed when the balance recovers', async () => {
    const events: LowBalanceEvent[] = [];
    const onBus: unknown[] = [];
    const stop = ledger().onLowBalance((e) => events.push(e));
    const unsubscribe = bus().subscribe(LOW_BALANCE_TOPIC, (m) => onBus.push(m));
    try {
      await ledger().topUp('low', 2_000, 'low-1');
      await ledger().reserve({ tenant: 'low', key: 'low:1', milliCredits: 500, agent: 'a', skill: 's' });
      assert.equal(events.length, 0, '1500 available is above the 1000 threshold');
      await ledger().reserve({ tenant: 'low', key: 'low:2', milliCredits: 600, agent: 'a', skill: 's' });
      assert.equal(events.length, 1);
      assert.deepEqual({ ...events[0], at: undefined }, { tenant: 'low', availableMilliCredits: 900, thresholdMilliCredits: 1_000, at: undefined });
      await ledger().reserve({ tenant: 'low', key: 'low:3', milliCredits: 100, agent: 'a', skill: 's' });
      await ledger().settle('low:3', 50);
      assert.equal(events.length, 1, 'still below: no second event');
      await ledger().topUp('low', 5_000, 'low-2');
      await ledger().reserve({ tenant: 'low', key: 'low:4', milliCredits: 5_000, agent: 'a', skill: 's' });
      assert.equal(events.length, 2, 'recovered, then crossed again');
      assert.equal(onBus.length, 2);
      assert.match((await metrics().render()).body, /agentmesh_tenancy_low_balance_events_total\{tenant="low"\} 2/);

      // A tenant's own threshold wins over the default, and setting it above the balance alerts at once.
      await ledger().topUp('vip', 50_000, 'vip-1');
      await ledger().setLowBalanceThreshold('vip', 60_000);
      assert.equal(events.at(-1)?.tenant, 'vip');
      assert.equal(events.at(-1)?.thresholdMilliCredits, 60_000);
    } finally {
      stop();
      unsubscribe();
    }
  });

  test('metrics keep tenant labels bounded: tenants past the limit count as "other"', async () => {
    const small = createMetrics({ defaultMetrics: false });
    const bounded = createCreditLedger({ database: database(), logger, metrics: small, maxTenantLabels: 2 });
    for (const tenant of ['m1', 'm2', 'm3', 'm4']) {
      await bounded.topUp(tenant, 1_000, `${tenant}-metrics`);
      await bounded.reserve({ tenant, key: `${tenant}:m`, milliCredits: 100, agent: 'a', skill: 's' });
    }
    const body = (await small.render()).body;
    assert.match(body, /agentmesh_tenancy_credits_reserved_millicredits_total\{tenant="m1"\} 100/);
    assert.match(body, /agentmesh_tenancy_credits_reserved_millicredits_total\{tenant="m2"\} 100/);
    assert.match(body, /agentmesh_tenancy_credits_reserved_millicredits_total\{tenant="other"\} 200/);
    assert.doesNotMatch(body, /tenant="m3"/);
  });

  test('lists the tenants under their low-balance threshold (their own or the default), lowest first', async () => {
    await lowBalances(ledger(), `low-${Date.now().toString(36)}`);
  });

  test('200 concurrent reserves against a balance that fits 50: 50 held, 150 refused, never below zero', async () => {
    const result = await concurrentReservations([ledger()], { tenant: 'race', callers: 200, fits: 50, price: 700 });
    assert.deepEqual(result, { held: 50, refused: 150, otherErrors: [] });
    assert.deepEqual(await ledger().balance('race'), { tenant: 'race', milliCredits: 35_000, reservedMilliCredits: 35_000, availableMilliCredits: 0 });
  });

  test('1,000 mixed completed, failed and cancelled tasks (with retries) reconcile to the milli-credit', async () => {
    const expected = await mixedTasks([ledger()], { tenant: 'mixed', tasks: 1_000, seed: 4, concurrency: 16 });
    assert.ok(expected.completed > 500 && expected.failed > 100 && expected.cancelled > 100 && expected.retries > 100, JSON.stringify(expected));
    assert.deepEqual(await ledger().balance('mixed'), {
      tenant: 'mixed',
      milliCredits: expected.toppedUp - expected.charged,
      reservedMilliCredits: 0,
      availableMilliCredits: expected.toppedUp - expected.charged,
    });
    const usage = await ledger().usage({ tenant: 'mixed', groupBy: ['agent'] });
    assert.deepEqual(usage, [...expected.byAgent].map(([agent, u]) => ({ agent, ...u })).sort((a, b) => (a.agent < b.agent ? -1 : 1)));
    const report = await ledger().reconcile();
    assert.deepEqual(report.discrepancies, []);
    assert.equal(report.ok, true);
  });

  test('reconcile names a tampered balance, a deleted posting and a lost hold', async () => {
    assert.equal((await ledger().reconcile()).ok, true);
    await sql`update credit_balances set available = available + 1 where tenant = 'acme'`.execute(database().db);
    const posting = await database().db.selectFrom('credit_postings').select(['entry_id', 'line']).where('account', '=', 'tenant:capped:reserved').limit(1).executeTakeFirstOrThrow();
    await database().db.deleteFrom('credit_postings').where('entry_id', '=', posting.entry_id).where('line', '=', posting.line).execute();
    await sql`update credit_reservations set status = 'settled' where key = 'low:4'`.execute(database().db);
    const report = await ledger().reconcile();
    assert.equal(report.ok, false);
    const kinds = report.discrepancies.map((d) => `${d.kind}:${'tenant' in d ? d.tenant : 'entryId' in d ? d.entryId : ''}`);
    assert.ok(kinds.includes('balance:acme'), kinds.join(' '));
    assert.ok(kinds.includes(`entry:${posting.entry_id}`), kinds.join(' '));
    assert.ok(kinds.includes('balance:capped'), kinds.join(' '));
    assert.ok(kinds.includes('holds:low'), kinds.join(' '));
  });
});
