import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { createCreditLedger, type CreditLedger, type LowBalanceEvent } from '../../src/tenancy/index.js';
import { LeasedCreditHolds } from '../../src/gateway/credits/index.js';
import { adminQuery, createTestSchema, postgresSkipReason, type TestSchema, withPgClient } from '../helpers/services.js';
import { concurrentReservations, lowBalances, mixedTasks } from '../integration/tenancy/ledger-scenarios.js';
import { callCounts, installCallCounters } from '../../bench/scale/call-counters.js';
import { LEDGER_POOL_SIZE, openLedgerReplicas, type LedgerReplicas } from '../helpers/ledger-replicas.js';

const skip = await postgresSkipReason();
const logger = createLogger({ level: 'silent' });

/**
 * Two ledgers on two connection pools over one schema: two gateway replicas
 * charging the same tenants at the same time.
 */
describe('credit ledger on PostgreSQL (two replicas)', { skip }, () => {
  let opened: LedgerReplicas;
  let replicas: CreditLedger[];

  before(async () => {
    opened = await openLedgerReplicas({ lowBalanceMilliCredits: 1_000 });
    replicas = opened.ledgers;
  });
  after(() => opened?.close());

  test('lists the tenants under their low-balance threshold (their own or the default), lowest first', async () => {
    await lowBalances(replicas[1]!, `low-${Date.now().toString(36)}`);
  });

  test('200 concurrent reserves against a balance that fits 50: 50 held, 150 refused, never below zero', async () => {
    // 16 at a time, as many as the two pools have connections: the database sees the same race as with
    // 200 at once, and no reserve waits in a pool's queue, where on a loaded CI machine (two cores, load
    // 20 to 40) a hundred of them outlasted the pool's 5 s connection timeout and failed untried.
    const result = await concurrentReservations(replicas, { tenant: 'race', callers: 200, fits: 50, price: 700, inFlight: 2 * LEDGER_POOL_SIZE });
    assert.deepEqual(result, { held: 50, refused: 150, otherErrors: [] });
    assert.deepEqual(await replicas[1]!.balance('race'), { tenant: 'race', milliCredits: 35_000, reservedMilliCredits: 35_000, availableMilliCredits: 0 });
  });

  test('retries racing on two replicas hold once, top up once, and close once', async () => {
    const topUps = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.topUp('dup', 10_000, 'dup-funds')));
    assert.equal(topUps.filter((t) => !t.replayed).length, 1);
    const holds = await Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 2]!.reserve({ tenant: 'dup', key: 'agent:task-dup', milliCredits: 4_000, agent: 'agent', skill: 's' })));
    assert.equal(holds.filter((r) => !r.replayed).length, 1);
    assert.equal(new Set(holds.map((r) => r.id)).size, 1);
    const closes = await Promise.all([
      replicas[0]!.settle('agent:task-dup', 3_000),
      replicas[1]!.refund('agent:task-dup', 'cancelled'),
      replicas[0]!.settle('agent:task-dup', 1_000),
      replicas[1]!.refund('agent:task-dup', 'failed'),
    ]);
    assert.equal(closes.filter((c) => !c.replayed).length, 1, 'exactly one close moves credits');
    const winner = closes.find((c) => !c.replayed)!;
    assert.ok(closes.every((c) => c.status === winner.status && c.chargedMilliCredits === winner.chargedMilliCredits));
    assert.equal((await replicas[0]!.balance('dup')).availableMilliCredits, 10_000 - winner.chargedMilliCredits);
  });

  test('retries racing to re-open a refunded reservation hold it once', async () => {
    await replicas[0]!.topUp('reopen', 10_000, 'reopen-funds');
    await replicas[0]!.reserve({ tenant: 'reopen', key: 'agent:reopen:m1', milliCredits: 3_000, agent: 'agent', skill: 's' });
    await replicas[1]!.refund('agent:reopen:m1', 'the call did not reach the agent');
    const retries = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.reserve({ tenant: 'reopen', key: 'agent:reopen:m1', milliCredits: 3_000, agent: 'agent', skill: 's' })));
    assert.equal(retries.filter((r) => !r.replayed).length, 1);
    assert.ok(retries.every((r) => r.status === 'held'));
    assert.equal((await replicas[0]!.balance('reopen')).availableMilliCredits, 7_000);
    assert.equal((await replicas[1]!.reconcile()).ok, true);
  });

  test('a call refunded on one replica and completed by its retry on a leased replica is charged once', async () => {
    // The PostgreSQL twin of the SQLite case in test/integration/gateway/credit-leases.test.ts.
    await replicas[0]!.topUp('retried', 10_000, 'retried-funds');
    await replicas[0]!.reserve({ tenant: 'retried', key: 'agent:retried:m1', milliCredits: 1_000, agent: 'agent', skill: 's' });
    await replicas[0]!.refund('agent:retried:m1', 'the agent failed');
    const leased = new LeasedCreditHolds({ ledger: replicas[1]!, logger, replica: 'b' });
    await leased.reserve({ tenant: 'retried', key: 'agent:retried:m1', milliCredits: 1_000, agent: 'agent', skill: 's' });
    assert.equal((await leased.settle('agent:retried:m1', 800)).chargedMilliCredits, 800);
    await leased.close();
    assert.deepEqual(await replicas[0]!.usage({ tenant: 'retried', groupBy: [] }), [{ milliCredits: 800, calls: 1 }]);
    assert.equal((await replicas[1]!.balance('retried')).availableMilliCredits, 10_000 - 800);
    assert.equal((await replicas[0]!.reconcile()).ok, true);
  });

  test('a call still held on one replica whose retry completes on a leased replica first is charged once, from that hold, whatever the first try does after', async () => {
    // The retry's batch is written while the first try's own hold (taken without a lease) is still open;
    // the first try then fails (or completes). Before, the batch took the held key for a charge made
    // elsewhere and charged nothing, and the first try's refund then left the completed call free.
    for (const [n, then] of [
      [1, 'refund'],
      [2, 'settle'],
    ] as const) {
      const tenant = `held-then-${then}`;
      const key = `agent:${tenant}:m${n}`;
      await replicas[0]!.topUp(tenant, 10_000, `${tenant}-funds`);
      await replicas[0]!.reserve({ tenant, key, milliCredits: 1_000, agent: 'agent', skill: 's' });
      const leased = new LeasedCreditHolds({ ledger: replicas[1]!, logger, replica: `held-${n}` });
      await leased.reserve({ tenant, key, milliCredits: 1_000, agent: 'agent', skill: 's' });
      assert.equal((await leased.settle(key, 800)).chargedMilliCredits, 800);
      await leased.close();
      const late = then === 'refund' ? await replicas[0]!.refund(key, 'the agent failed') : await replicas[0]!.settle(key, 900);
      assert.equal(late.replayed, true, `the first try's ${then} replays the retry's settlement`);
      assert.equal(late.chargedMilliCredits, 800);
      assert.deepEqual(await replicas[0]!.usage({ tenant, groupBy: [] }), [{ milliCredits: 800, calls: 1 }]);
      assert.deepEqual(await replicas[1]!.balance(tenant), { tenant, milliCredits: 10_000 - 800, reservedMilliCredits: 0, availableMilliCredits: 10_000 - 800 });
    }
    assert.equal((await replicas[0]!.reconcile()).ok, true);
  });

  /** Spends lease `leaseKey`'s batch on the first replica, counting the statements and transactions it sent PostgreSQL. */
  async function countedSpend(leaseKey: string, spends: Parameters<CreditLedger['spendLease']>[1]) {
    const before = callCounts();
    const result = await replicas[0]!.spendLease(leaseKey, spends);
    const after = callCounts();
    return { result, statements: after.pgStatements - before.pgStatements, transactions: after.pgTransactions - before.pgTransactions };
  }

  test("a lease batch of 300 calls is a few statements, not two per call; a key settled elsewhere, one refunded elsewhere and a duplicate are each charged once; charges stop at the lease's end", async () => {
    await installCallCounters();
    const tenant = 'batched';
    await replicas[0]!.topUp(tenant, 1_000_000, 'batched-funds');
    // Another replica settled one call exactly, and refunded another (its retry completes in this batch).
    await replicas[1]!.reserve({ tenant, key: 'a:settled-elsewhere', milliCredits: 1_000, agent: 'a', skill: 's' });
    await replicas[1]!.settle('a:settled-elsewhere', 1_000);
    await replicas[1]!.reserve({ tenant, key: 'a:refunded-elsewhere', milliCredits: 1_000, agent: 'a', skill: 's' });
    await replicas[1]!.refund('a:refunded-elsewhere', 'the call did not reach the agent');
    // A lease of 250 credits; 300 calls of 1 credit each: the last 50 (less the two not charged here) are capped at what is left.
    await replicas[0]!.reserve({ tenant, key: 'lease:test:1', milliCredits: 250_000, agent: 'gateway-lease', skill: '*' });
    const spend = (key: string, agent = 'a') => ({ key, tenant, agent, skill: 's', clientId: 'c1', held: 1_000, charged: 1_000, requested: 1_000, state: 'completed', createdAt: Date.now() });
    const spends = [spend('a:settled-elsewhere'), spend('a:refunded-elsewhere'), spend('a:call-0'), ...Array.from({ length: 297 }, (_, i) => spend(`a:call-${i}`, i % 2 ? 'a' : 'b'))];
    const { result, statements, transactions } = await countedSpend('lease:test:1', spends);
    // The two-round-trip path's lock finds keys already in the ledger and rolls back (one statement, its own transaction);
    // then the general path: begin, the lease's lock with the key lookup, the insert, the refunded key's re-open, an entry
    // with its postings per agent (2), the lease and balance, commit (ADR 0052).
    assert.equal(transactions, 2);
    assert.ok(statements <= 10, `${statements} statements for ${spends.length} calls`);
    assert.equal(result.charged[0], false, 'settled elsewhere: not again');
    assert.equal(result.charged[1], true, 'refunded elsewhere: charged by its retry');
    assert.equal(result.charged[3], false, 'twice in the batch: once');
    assert.equal(result.leaseHeld, 0);
    assert.equal((await replicas[0]!.usage({ tenant, groupBy: [] }))[0]!.milliCredits, 1_000 + 250_000);
    assert.equal((await replicas[1]!.balance(tenant)).availableMilliCredits, 1_000_000 - 1_000 - 250_000);
    assert.equal((await replicas[1]!.reconcile()).ok, true);
  });

  test('the usual lease batch (its lease held, none of its keys in the ledger) is two round trips in one transaction, whatever its size', async () => {
    await installCallCounters();
    const tenant = 'batched-usual';
    await replicas[0]!.topUp(tenant, 1_000_000, 'batched-usual-funds');
    await replicas[0]!.reserve({ tenant, key: 'lease:test:usual', milliCredits: 250_000, agent: 'gateway-lease', skill: '*' });
    // The second agent's name is text a literal must escape (a quote, a backslash).
    const b = "o'brien\\agent";
    const spend = (key: string, agent: string, charged: number) => ({ key, tenant, agent, skill: 's', clientId: 'c1', held: 1_000, charged, requested: charged, state: 'completed', createdAt: Date.now() });
    // 300 calls over two agents, one of them charged nothing and one twice in the batch: 298 calls of 500 are charged.
    const spends = [spend('u:free', 'a', 0), ...Array.from({ length: 298 }, (_, i) => spend(`u:call-${i}`, i % 2 ? 'a' : b, 500)), spend('u:call-0', b, 500)];
    const { result, statements, transactions } = await countedSpend('lease:test:usual', spends);
    assert.deepEqual({ statements, transactions }, { statements: 2, transactions: 1 });
    assert.deepEqual(result.charged, [...Array.from({ length: 299 }, () => true), false]);
    assert.equal(result.leaseHeld, 250_000 - 298 * 500);
    assert.deepEqual(await replicas[1]!.usage({ tenant, groupBy: ['agent'] }), [
      { agent: 'a', milliCredits: 149 * 500, calls: 150 },
      { agent: b, milliCredits: 149 * 500, calls: 149 },
    ]);
    assert.deepEqual(await replicas[1]!.balance(tenant), { tenant, milliCredits: 1_000_000 - 298 * 500, reservedMilliCredits: 250_000 - 298 * 500, availableMilliCredits: 750_000 });
    assert.equal((await replicas[1]!.reconcile()).ok, true);
  });

  test('a low-balance crossing is reported once across replicas', async () => {
    const events: LowBalanceEvent[] = [];
    const stops = replicas.map((r) => r.onLowBalance((e) => events.push(e)));
    try {
      await replicas[0]!.topUp('low', 3_000, 'low-funds');
      await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.reserve({ tenant: 'low', key: `low:${i}`, milliCredits: 250, agent: 'a', skill: 's' })));
      assert.equal(events.length, 1);
      assert.equal(events[0]!.tenant, 'low');
      assert.ok(events[0]!.availableMilliCredits < 1_000);
    } finally {
      for (const stop of stops) stop();
    }
  });

  test('usage groups by UTC day with bigint arithmetic', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-08-01T23:59:59Z') });
    await replicas[0]!.topUp('days', 10_000, 'days-funds');
    await replicas[0]!.reserve({ tenant: 'days', key: 'd1', milliCredits: 1_000, agent: 'a', skill: 's' });
    await replicas[0]!.settle('d1', 600);
    t.mock.timers.setTime(Date.parse('2026-08-02T00:00:01Z'));
    await replicas[1]!.reserve({ tenant: 'days', key: 'd2', milliCredits: 1_000, agent: 'a', skill: 's' });
    await replicas[1]!.settle('d2', 900);
    t.mock.timers.reset();
    assert.deepEqual(await replicas[0]!.usage({ tenant: 'days', groupBy: ['day'] }), [
      { day: '2026-08-01', milliCredits: 600, calls: 1 },
      { day: '2026-08-02', milliCredits: 900, calls: 1 },
    ]);
  });

  // Minutes of work on a loaded CI machine (264 s at load 25 on two cores): past the runner's 5-minute default at load 40.
  test('1,000 mixed completed, failed and cancelled tasks over two replicas reconcile to the milli-credit', { timeout: 900_000 }, async () => {
    const expected = await mixedTasks(replicas, { tenant: 'mixed', tasks: 1_000, seed: 7, concurrency: 16 });
    assert.deepEqual(await replicas[0]!.balance('mixed'), {
      tenant: 'mixed',
      milliCredits: expected.toppedUp - expected.charged,
      reservedMilliCredits: 0,
      availableMilliCredits: expected.toppedUp - expected.charged,
    });
    const usage = await replicas[1]!.usage({ tenant: 'mixed', groupBy: ['agent'] });
    assert.deepEqual(usage, [...expected.byAgent].map(([agent, u]) => ({ agent, ...u })).sort((a, b) => (a.agent < b.agent ? -1 : 1)));
    const report = await replicas[1]!.reconcile();
    assert.deepEqual(report.discrepancies, []);
    assert.equal(report.ok, true);
  });
});

/**
 * A lease batch leaves the tenant's available balance as it was, so its
 * low-balance flag moves only when the threshold that applies changed since
 * the last move: here two replicas whose default thresholds differ. The
 * usual batch decides the flag in the statement that lowers the balance
 * (ADR 0068); the general path (a key of the batch already in the ledger)
 * decides it after its own update. Both must give the same flags and events.
 */
describe('a lease batch on PostgreSQL moves the low-balance flag as any balance move does', { skip }, () => {
  let schema: TestSchema;
  let databases: Database[];
  /** `quiet`: default threshold 0 (never alerts); `watchful`: 5,000. */
  let quiet: CreditLedger;
  let watchful: CreditLedger;

  before(async () => {
    schema = await createTestSchema();
    databases = [await createDatabase({ url: schema.url, poolSize: 2 }), await createDatabase({ url: schema.url, poolSize: 2, migrate: false })];
    [quiet, watchful] = databases.map((database, i) => createCreditLedger({ database, logger, metrics: createMetrics({ defaultMetrics: false }), lowBalanceMilliCredits: i === 0 ? 0 : 5_000 })) as [CreditLedger, CreditLedger];
  });
  after(async () => {
    for (const database of databases ?? []) await database.close();
    await schema?.drop();
  });

  for (const path of ['usual', 'general'] as const) {
    test(`${path} batch: raised below the threshold (reported once), kept, lowered by the replica whose threshold is 0 (not reported), raised again`, async () => {
      await installCallCounters();
      const tenant = `flag-${path}`;
      const events: LowBalanceEvent[] = [];
      const stops = [quiet, watchful].map((ledger) => ledger.onLowBalance((e) => events.push(e)));
      try {
        await quiet.topUp(tenant, 10_000, `${tenant}-funds`);
        // Available 2,000 once the lease holds 8,000: under the watchful replica's threshold, not the quiet one's.
        await quiet.reserve({ tenant, key: `${tenant}:lease`, milliCredits: 8_000, agent: 'gateway-lease', skill: '*' });
        // The general path is taken when a key of the batch is in the ledger already: one settled on its own beforehand.
        await quiet.reserve({ tenant, key: `${tenant}:settled`, milliCredits: 100, agent: 'a', skill: 's' });
        await quiet.settle(`${tenant}:settled`, 100);
        assert.equal(events.length, 0);
        // Both connections of each pool opened (a new one sends its cross-tenant marker first, a statement of its own).
        await Promise.all([quiet, quiet, watchful, watchful].map((ledger) => ledger.balance(tenant)));
        const spend = (key: string) => ({ key, tenant, agent: 'a', skill: 's', clientId: 'c1', held: 1_000, charged: 500, requested: 500, state: 'completed', createdAt: Date.now() });
        let batch = 0;
        const spendOn = async (ledger: CreditLedger) => {
          batch++;
          const spends = [spend(`${tenant}:call-${batch}`), ...(path === 'general' ? [spend(`${tenant}:settled`)] : [])];
          const before = callCounts();
          const result = await ledger.spendLease(`${tenant}:lease`, spends);
          const statements = callCounts().pgStatements - before.pgStatements;
          assert.ok(path === 'usual' ? statements === 2 : statements > 2, `${statements} statements for the ${path} batch`);
          assert.equal(result.charged[0], true);
        };
        await spendOn(watchful);
        assert.deepEqual(
          events.map((e) => [e.tenant, e.availableMilliCredits, e.thresholdMilliCredits]),
          [[tenant, 1_900, 5_000]],
        );
        // Still under and flagged: nothing more to report.
        await spendOn(watchful);
        assert.equal(events.length, 1);
        // Under the quiet replica's threshold 0 nothing is low: the flag falls, silently, and is armed again.
        await spendOn(quiet);
        assert.equal(events.length, 1);
        await spendOn(watchful);
        assert.equal(events.length, 2);
        assert.equal(events[1]!.availableMilliCredits, 1_900);
        assert.equal((await watchful.reconcile()).ok, true);
      } finally {
        for (const stop of stops) stop();
      }
    });
  }

  test('a usual batch whose tenant has no balance row writes nothing: it fails before its commit', async () => {
    const tenant = 'flag-no-balance';
    await quiet.topUp(tenant, 10_000, `${tenant}-funds`);
    await quiet.reserve({ tenant, key: `${tenant}:lease`, milliCredits: 5_000, agent: 'gateway-lease', skill: '*' });
    // A row no path deletes: removed by hand, as damage would (last in this suite: reconcile would see it).
    await adminQuery(`delete from ${schema.name}.credit_balances where tenant = '${tenant}'`);
    const spend = { key: `${tenant}:call`, tenant, agent: 'a', skill: 's', clientId: 'c1', held: 1_000, charged: 500, requested: 500, state: 'completed', createdAt: Date.now() };
    await assert.rejects(watchful.spendLease(`${tenant}:lease`, [spend]), /no balance row/);
    await withPgClient(schema.url, async (reader) => {
      const { rows } = await reader.query<{ key: string; held: string; status: string }>('select key, held::text, status from credit_reservations where tenant = $1 order by key', [tenant]);
      assert.deepEqual(rows, [{ key: `${tenant}:lease`, held: '5000', status: 'held' }], 'no settled row, the lease as it was');
    });
  });
});
