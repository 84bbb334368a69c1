/**
 * A lease's batch of settlements is read and written a few statements at a
 * time on SQLite (its keys looked up together, its settled rows inserted
 * together): whatever the batch holds, each key is charged once, with the
 * columns it was settled with, and the books balance. Batches span several
 * statements (more than 64 spends), repeat keys, reuse keys settled or
 * refunded before, and hold keys with lone surrogates.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createCreditLedger, type LeaseSpend } from '../../../src/tenancy/index.js';
import { sqliteLedgerForSuite } from '../../helpers/sqlite-ledger.js';

const logger = createLogger({ level: 'silent' });

function spend(key: string, overrides: Partial<LeaseSpend> = {}): LeaseSpend {
  return { key, tenant: 'acme', agent: 'sales', skill: 'quote', clientId: 'c1', held: 10, charged: 7, requested: 7, state: 'completed', createdAt: 1_000, ...overrides };
}

describe('a lease batch on SQLite charges each key once', () => {
  let leases = 0;

  const { ledger, database, bus } = sqliteLedgerForSuite('agentmesh-lease-batch-');
  before(async () => {
    await ledger().topUp('acme', 10_000_000, 'acme-1');
  });

  async function lease(milliCredits: number): Promise<string> {
    const key = `lease:test:${++leases}`;
    await ledger().reserve({ tenant: 'acme', key, milliCredits, agent: 'gateway-lease', skill: '*' });
    return key;
  }

  function row(key: string): Record<string, unknown> | undefined {
    return database().sqlite!.prepare('select key, tenant, agent, skill, client_id, held, status, charged, requested, task_state, created_at from credit_reservations where key = ?').get(key) as Record<string, unknown> | undefined;
  }

  test('150 spends in one batch: each charged once, each row as settled, the lease shrunk by their sum', async () => {
    const leaseKey = await lease(5_000);
    const before = await ledger().balance('acme');
    const spends = Array.from({ length: 150 }, (_, i) => spend(`batch-150:${i}`, { charged: i % 10, requested: i % 10, clientId: i % 3 === 0 ? undefined : `c${i}`, state: i % 4 === 0 ? undefined : 'completed', createdAt: 1_000 + i }));
    const result = await ledger().spendLease(leaseKey, spends);
    assert.deepEqual(result.charged, spends.map(() => true));
    const sum = spends.reduce((total, s) => total + s.charged, 0);
    assert.equal(result.leaseHeld, 5_000 - sum);
    for (const [i, s] of spends.entries()) {
      assert.deepEqual(row(s.key), { key: s.key, tenant: 'acme', agent: 'sales', skill: 'quote', client_id: s.clientId ?? null, held: 10, status: 'settled', charged: s.charged, requested: s.requested, task_state: s.state ?? null, created_at: 1_000 + i });
    }
    const after = await ledger().balance('acme');
    assert.equal(after.milliCredits, before.milliCredits - sum);
    assert.equal(after.reservedMilliCredits, before.reservedMilliCredits - sum);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a batch whose spends share every column but their key, charge and time: each row as settled, with or without a client and a state', async () => {
    for (const [label, common] of [
      ['named', {}],
      ['anonymous', { clientId: undefined, state: undefined }],
    ] as Array<[string, Partial<LeaseSpend>]>) {
      const leaseKey = await lease(5_000);
      const before = await ledger().balance('acme');
      const spends = Array.from({ length: 130 }, (_, i) => spend(`uniform-${label}:${i}`, { ...common, charged: i % 10, createdAt: 2_000 + i }));
      const result = await ledger().spendLease(leaseKey, spends);
      assert.deepEqual(result.charged, spends.map(() => true));
      const sum = spends.reduce((total, s) => total + s.charged, 0);
      assert.equal(result.leaseHeld, 5_000 - sum);
      for (const [i, s] of spends.entries()) {
        assert.deepEqual(row(s.key), { key: s.key, tenant: 'acme', agent: 'sales', skill: 'quote', client_id: s.clientId ?? null, held: 10, status: 'settled', charged: s.charged, requested: 7, task_state: s.state ?? null, created_at: 2_000 + i });
      }
      assert.equal((await ledger().balance('acme')).milliCredits, before.milliCredits - sum);
    }
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('spends naming two tenants in one batch: each row keeps its own tenant, all close at the batch\'s time, and the counters sum each tenant\'s calls', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const counted = createCreditLedger({ database: database(), logger, metrics, bus: bus() });
    const leaseKey = await lease(5_000);
    const spends = Array.from({ length: 70 }, (_, i) => spend(`tenants:${i}`, { tenant: i % 5 === 0 ? 'globex' : 'acme', held: 10, charged: i % 10, requested: i % 7 === 0 ? 12 : i % 10 }));
    const started = Date.now();
    const result = await counted.spendLease(leaseKey, spends);
    assert.deepEqual(result.charged, spends.map(() => true));
    const closed = new Set<number>();
    for (const s of spends) {
      const stored = database().sqlite!.prepare('select tenant, closed_at from credit_reservations where key = ?').get(s.key) as { tenant: string; closed_at: number };
      assert.equal(stored.tenant, s.tenant);
      closed.add(stored.closed_at);
    }
    assert.equal(closed.size, 1);
    assert.ok([...closed][0]! >= started && [...closed][0]! <= Date.now());
    const value = async (name: string, labels: Record<string, string>): Promise<number> =>
      (await metrics.registry.getSingleMetric(`agentmesh_${name}`)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
    for (const tenant of ['acme', 'globex']) {
      const mine = spends.filter((s) => s.tenant === tenant);
      const sum = (f: (s: LeaseSpend) => number): number => mine.reduce((total, s) => total + f(s), 0);
      assert.equal(await value('tenancy_reservations_total', { tenant, outcome: 'held' }), mine.length);
      assert.equal(await value('tenancy_credits_reserved_millicredits_total', { tenant }), sum((s) => s.held));
      assert.equal(await value('tenancy_credits_settled_millicredits_total', { tenant }), sum((s) => s.charged));
      assert.equal(await value('tenancy_credits_released_millicredits_total', { tenant }), sum((s) => s.held - s.charged));
      assert.equal(await value('tenancy_credits_uncharged_millicredits_total', { tenant }), sum((s) => Math.max(0, s.requested - s.held)));
    }
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a key repeated in the batch, or settled by an earlier batch, is charged once', async () => {
    const leaseKey = await lease(5_000);
    const first = await ledger().spendLease(leaseKey, [spend('repeat:a'), spend('repeat:b')]);
    assert.deepEqual(first.charged, [true, true]);
    const spends = [spend('repeat:a'), spend('repeat:c'), spend('repeat:c'), ...Array.from({ length: 70 }, (_, i) => spend(`repeat:n${i}`)), spend('repeat:b'), spend('repeat:n3')];
    const result = await ledger().spendLease(leaseKey, spends);
    assert.deepEqual(result.charged, [false, true, false, ...Array.from({ length: 70 }, () => true), false, false]);
    assert.equal(result.leaseHeld, 5_000 - 7 * 2 - 7 * 71);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a key taken in a later statement of the batch: the keys around it charged once each', async () => {
    const leaseKey = await lease(5_000);
    assert.deepEqual((await ledger().spendLease(leaseKey, [spend('late:taken')])).charged, [true]);
    const before = await ledger().balance('acme');
    const spends = [...Array.from({ length: 100 }, (_, i) => spend(`late:${i}`)), spend('late:taken'), spend('late:last')];
    const result = await ledger().spendLease(leaseKey, spends);
    assert.deepEqual(result.charged, [...Array.from({ length: 100 }, () => true), false, true]);
    assert.equal(result.leaseHeld, 5_000 - 7 - 7 * 101);
    assert.equal((await ledger().balance('acme')).milliCredits, before.milliCredits - 7 * 101);
    const count = database().sqlite!.prepare("select count(*) as n from credit_reservations where key like 'late:%'").get() as { n: number };
    assert.equal(count.n, 102);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a key refunded earlier (its call failed on another replica) is charged on its row', async () => {
    const leaseKey = await lease(5_000);
    await ledger().reserve({ tenant: 'acme', key: 'refunded:1', milliCredits: 10, agent: 'sales', skill: 'quote' });
    await ledger().refund('refunded:1', 'the call did not reach the agent');
    const result = await ledger().spendLease(leaseKey, [spend('refunded:1'), spend('refunded:1'), spend('refunded:2')]);
    assert.deepEqual(result.charged, [true, false, true]);
    assert.equal(row('refunded:1')?.['status'], 'settled');
    assert.equal(row('refunded:1')?.['charged'], 7);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('keys with lone surrogates are found again: settled once, never twice', async () => {
    // Stored as UTF-8, each lone surrogate becomes U+FFFD: the first two keys are one key in the table.
    const leaseKey = await lease(5_000);
    const keys = ['lone:\ud800', 'lone:\udfff', 'lone:\ud83d\ude00', 'lone:"quoted"\\'];
    const first = await ledger().spendLease(leaseKey, keys.map((key) => spend(key)));
    assert.deepEqual(first.charged, [true, false, true, true]);
    const again = await ledger().spendLease(leaseKey, [...keys.map((key) => spend(key)), spend('lone:fresh')]);
    assert.deepEqual(again.charged, [false, false, false, false, true]);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a lease gone from the ledger: each spend charged from the available balance, once', async () => {
    const leaseKey = await lease(1_000);
    await ledger().refund(leaseKey, 'credit lease returned');
    const before = await ledger().balance('acme');
    const spends = Array.from({ length: 80 }, (_, i) => spend(`gone:${i}`));
    const result = await ledger().spendLease(leaseKey, [...spends, spend('gone:0')]);
    assert.deepEqual(result.charged, [...spends.map(() => true), false]);
    assert.equal(result.leaseHeld, undefined);
    assert.equal((await ledger().balance('acme')).availableMilliCredits, before.availableMilliCredits - 7 * 80);
    assert.equal((await ledger().reconcile()).ok, true);
  });
});
