/**
 * ADR 0010: credits held per replica as leases, on a real
 * SQLite ledger. Conservation under random sequences (fast-check), the
 * idempotency of reserve and settle, an exact 402 at the last credits, and
 * what a replica killed with settlements in memory leaves.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LeasedCreditHolds, LEASE_AGENT } from '../../../src/gateway/credits/index.js';
import { createLogger } from '../../../src/observability/index.js';
import type { CreditLedger } from '../../../src/tenancy/index.js';
import { sqliteLedgerForSuite } from '../../helpers/sqlite-ledger.js';

const logger = createLogger({ level: 'silent' });

/** Everything the tenant ever had is either available, held, or charged to an agent. */
async function assertConserved(ledger: CreditLedger, tenant: string, toppedUp: number): Promise<void> {
  const balance = await ledger.balance(tenant);
  const [usage] = await ledger.usage({ tenant, groupBy: [] });
  assert.equal(balance.availableMilliCredits + balance.reservedMilliCredits + (usage?.milliCredits ?? 0), toppedUp);
  assert.ok(balance.availableMilliCredits >= 0);
}

describe('credit leases on SQLite', () => {
  let tenants = 0;
  const newTenant = () => `lease-${++tenants}`;

  const { ledger, database } = sqliteLedgerForSuite('agentmesh-leases-');

  test('random reserve/settle/refund/flush sequences conserve credits; after close nothing is held and the ledger reconciles', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), call: fc.nat(15), amount: fc.integer({ min: 1, max: 3_000 }) }),
      fc.record({ kind: fc.constant('settle' as const), call: fc.nat(15), amount: fc.nat(4_000) }),
      fc.record({ kind: fc.constant('refund' as const), call: fc.nat(15) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 2, max: 20 }), async (ops, balance, leaseCalls) => {
        const tenant = newTenant();
        if (balance > 0) await ledger().topUp(tenant, balance, `${tenant}-topup`);
        const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls, flushMs: 5 });
        let charged = 0;
        for (const o of ops) {
          const key = 'call' in o ? `${tenant}:call-${o.call}` : '';
          if (o.kind === 'reserve') {
            await holds.reserve({ tenant, key, milliCredits: o.amount, agent: 'meter', skill: 'tick' }).catch((err: { code?: string }) => assert.equal(err.code, 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS'));
          } else if (o.kind === 'settle') {
            const s = await holds.settle(key, o.amount, { state: 'completed' }).catch(() => undefined);
            if (s && !s.replayed) charged += s.chargedMilliCredits;
          } else if (o.kind === 'refund') {
            await holds.refund(key, 'failed').catch(() => undefined);
          } else {
            await holds.flush();
            await assertConserved(ledger(), tenant, balance);
          }
        }
        // Calls still open at the end end as failures, then the replica drains.
        for (let call = 0; call <= 15; call++) await holds.refund(`${tenant}:call-${call}`, 'failed').catch(() => undefined);
        await holds.close();
        await assertConserved(ledger(), tenant, balance);
        const after = await ledger().balance(tenant);
        assert.equal(after.reservedMilliCredits, 0, 'no hold left after drain');
        const [usage] = await ledger().usage({ tenant, groupBy: [] });
        assert.equal(usage?.milliCredits ?? 0, charged, 'charged total == sum of settled calls');
      }),
      { numRuns: 40 },
    );
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('closed keys remembered apart by kind answer every reserve, rekey, settle and refund as when remembered together', async () => {
    // Keys of both kinds under the same ops: a call's own key, and the charge key a hold is moved to (and may be reserved under).
    const key = fc.oneof(fc.nat(2).map((n) => `call-${n}`), fc.nat(2).map((n) => `task/call-${n}`));
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('reserve' as const), key, amount: fc.integer({ min: 1, max: 500 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('rekey' as const), key, to: key }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), key, amount: fc.nat(600) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), key }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 4 }), async (ops, rememberClosed) => {
        const outcomes: string[][] = [];
        for (const movedKey of [undefined, (k: string) => k.includes('task/')]) {
          const tenant = newTenant();
          await ledger().topUp(tenant, 1_000_000, `${tenant}-topup`);
          // Few remembered, so generations turn over within a sequence.
          const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 5, flushMs: 5, rememberClosed, movedKey });
          const seen: string[] = [];
          const said = (p: Promise<unknown>) => p.then((v) => String(JSON.stringify(v, (name, value: unknown) => (name === 'closedAt' || name === 'tenant' ? undefined : value))), (err: { code?: string; message?: string }) => `${err.code}: ${err.message?.replace(tenant, '')}`);
          for (const o of ops) {
            const k = 'key' in o ? `${tenant}/${o.key}` : '';
            if (o.kind === 'reserve') seen.push(await said(holds.reserve({ tenant, key: k, milliCredits: o.amount, agent: 'meter', skill: 'tick' })));
            else if (o.kind === 'rekey') seen.push(await said(holds.rekey(k, `${tenant}/${o.to}`)));
            else if (o.kind === 'settle') seen.push(await said(holds.settle(k, o.amount, { state: 'completed' })));
            else if (o.kind === 'refund') seen.push(await said(holds.refund(k, 'failed')));
            else await holds.flush();
          }
          await holds.close();
          outcomes.push(seen.map((line) => line.replaceAll(tenant, 'T')));
        }
        assert.deepEqual(outcomes[1], outcomes[0]);
      }),
      { numRuns: 80 },
    );
  });

  test('a retried reserve key holds once; settling twice charges once; usage stays per agent and skill', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 10 });
    assert.deepEqual(await holds.reserve({ tenant, key: 'k1', milliCredits: 1_000, agent: 'meter', skill: 'tick' }), { replayed: false });
    assert.deepEqual(await holds.reserve({ tenant, key: 'k1', milliCredits: 1_000, agent: 'meter', skill: 'tick' }), { replayed: true });
    await holds.reserve({ tenant, key: 'k2', milliCredits: 2_000, agent: 'summarizer', skill: 'sum' });
    const first = await holds.settle('k1', 700, { state: 'completed' });
    const second = await holds.settle('k1', 700, { state: 'completed' });
    assert.equal(first.chargedMilliCredits, 700);
    assert.equal(second.replayed, true);
    // Asked for more than the hold: the hold is charged, as on the exact path.
    assert.equal((await holds.settle('k2', 5_000)).chargedMilliCredits, 2_000);
    // A reserve of a settled key replays; it does not hold again.
    assert.deepEqual(await holds.reserve({ tenant, key: 'k1', milliCredits: 1_000, agent: 'meter', skill: 'tick' }), { replayed: true });
    await holds.close();
    assert.deepEqual(await ledger().usage({ tenant, groupBy: ['agent', 'skill'] }), [
      { agent: 'meter', skill: 'tick', milliCredits: 700, calls: 1 },
      { agent: 'summarizer', skill: 'sum', milliCredits: 2_000, calls: 1 },
    ]);
    assert.equal((await ledger().balance(tenant)).availableMilliCredits, 100_000 - 2_700);
    assert.deepEqual(await ledger().holds(tenant), []);
  });

  test('a batch of settlements journals one entry per agent; revenue per agent equals what its calls were charged', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 1_000_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 100, flushMs: 60_000 });
    const entries = (): number => (database().sqlite!.prepare("select count(*) as n from credit_entries where tenant = ? and kind = 'settle'").get(tenant) as { n: number }).n;
    const revenue = (agent: string): number => (database().sqlite!.prepare('select coalesce(sum(amount), 0) as total from credit_postings where account = ?').get(`revenue:${agent}`) as { total: number }).total;
    const before = { alpha: revenue('alpha'), beta: revenue('beta') };
    for (let i = 0; i < 30; i++) {
      const agent = i % 3 === 0 ? 'beta' : 'alpha';
      await holds.reserve({ tenant, key: `${tenant}:${i}`, milliCredits: 1_000, agent, skill: 'run' });
      await holds.settle(`${tenant}:${i}`, 100 + i);
    }
    await holds.flush();
    // 30 calls, two agents: two journal entries (and 30 settled rows, which usage reads).
    assert.equal(entries(), 2);
    const usage = await ledger().usage({ tenant, groupBy: ['agent'] });
    const charged = (agent: string): number => usage.find((u) => (u as { agent?: string }).agent === agent)?.milliCredits ?? 0;
    assert.equal(revenue('alpha') - before.alpha, charged('alpha'));
    assert.equal(revenue('beta') - before.beta, charged('beta'));
    assert.equal(charged('alpha') + charged('beta'), Array.from({ length: 30 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0));
    await holds.close();
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a tenant that uses its leases up fast gets each next one twice as large, up to 64 times leaseCalls; one that uses them slowly, half as large', async () => {
    let clock = 1_000_000;
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 4, leaseTargetMs: 1_000, flushMs: 60_000, maxBatch: 100_000, now: () => clock });
    const call = async (tenant: string, i: number): Promise<void> => {
      await holds.reserve({ tenant, key: `${tenant}:${i}`, milliCredits: 1_000, agent: 'meter', skill: 'tick' });
      await holds.settle(`${tenant}:${i}`, 1_000);
    };
    // Nothing is written before close (flushMs, maxBatch): each lease still holds its whole block.
    const blocks = async (tenant: string): Promise<number[]> => (await ledger().holds(tenant)).filter((h) => h.agent === LEASE_AGENT).map((h) => h.milliCredits / 1_000).sort((a, b) => a - b);

    const fast = newTenant();
    await ledger().topUp(fast, 100_000_000, `${fast}-topup`);
    // 4 + 8 + … + 256 + 256 calls, all in one instant: every lease was used up at once.
    for (let i = 0; i < 4 + 8 + 16 + 32 + 64 + 128 + 256 + 256; i++) await call(fast, i);
    assert.deepEqual(await blocks(fast), [4, 8, 16, 32, 64, 128, 256, 256]);

    const slow = newTenant();
    await ledger().topUp(slow, 100_000_000, `${slow}-topup`);
    for (let i = 0; i < 4 + 8; i++) await call(slow, i);
    // The third lease (16 calls) lasts 2.5 s, over twice the target: the fourth is sized for 8.
    for (let i = 12; i < 12 + 16; i++) {
      if (i === 12 + 15) clock += 2_500;
      await call(slow, i);
    }
    await call(slow, 28);
    assert.deepEqual(await blocks(slow), [4, 8, 8, 16]);

    await holds.close();
    assert.deepEqual(await ledger().usage({ tenant: fast, groupBy: [] }), [{ milliCredits: 764_000, calls: 764 }]);
    assert.deepEqual(await ledger().usage({ tenant: slow, groupBy: [] }), [{ milliCredits: 29_000, calls: 29 }]);
    assert.equal((await ledger().balance(fast)).reservedMilliCredits, 0);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a settlement on a lease is closed at the clock\'s time, written as toISOString writes it, across milliseconds, seconds and days', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 1_000_000, `${tenant}-topup`);
    let clock = Date.UTC(2026, 10, 27, 23, 59, 59, 998);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 100, flushMs: 60_000, maxLeaseAgeMs: 10 * 86_400_000, idleMs: 10 * 86_400_000, now: () => clock });
    // Two calls in one millisecond, then one each across a second's, a day's and a year's end, and back in time.
    const steps = [0, 0, 1, 1, 9, 90, 900, 1, 86_400_000, 31 * 86_400_000, -1, -5_000];
    for (let i = 0; i < steps.length; i++) {
      clock += steps[i]!;
      await holds.reserve({ tenant, key: `${tenant}:${i}`, milliCredits: 1_000, agent: 'meter', skill: 'tick' });
      const settlement = await holds.settle(`${tenant}:${i}`, 500);
      assert.equal(settlement.closedAt, new Date(clock).toISOString(), `call ${i} at ${clock}`);
    }
    await holds.close();
  });

  test('a call settled on one replica and retried on another is charged once', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    const a = new LeasedCreditHolds({ ledger: ledger(), logger, replica: 'a' });
    const b = new LeasedCreditHolds({ ledger: ledger(), logger, replica: 'b' });
    await a.reserve({ tenant, key: 'same', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    await b.reserve({ tenant, key: 'same', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    await a.settle('same', 1_000);
    await b.settle('same', 1_000);
    await a.close();
    await b.close();
    assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 1_000, calls: 1 }]);
    assert.equal((await ledger().balance(tenant)).availableMilliCredits, 99_000);
  });

  test('a call refunded on one replica (it failed there) and completed by its retry on a leased replica is charged once', async () => {
    // Found by the two-replica services test: the retry's settlement was reported charged, but the
    // batch skipped the key because the refunded reservation row already held it.
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    // The first attempt held outside any lease (as when a replica's lease cannot be funded) and failed.
    await ledger().reserve({ tenant, key: 'flaky', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    await ledger().refund('flaky', 'the agent failed');
    const b = new LeasedCreditHolds({ ledger: ledger(), logger, replica: 'b' });
    await b.reserve({ tenant, key: 'flaky', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    const settled = await b.settle('flaky', 800);
    await b.close();
    assert.equal(settled.chargedMilliCredits, 800);
    assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 800, calls: 1 }]);
    assert.equal((await ledger().balance(tenant)).availableMilliCredits, 100_000 - 800);
    assert.deepEqual((await ledger().reconcile()).discrepancies, []);
  });

  test('a call still held on one replica (no lease) whose retry completes on a leased replica first is charged once, from that hold, whatever the first try does after', async () => {
    // The order the two-replica services test met under load: the retry's batch is written while the
    // first try's hold is open, and the first try fails after it. The batch had taken the held key for
    // a charge made elsewhere, and the refund then left the completed call free.
    for (const then of ['refund', 'settle'] as const) {
      const tenant = newTenant();
      const key = `${tenant}:first-held`;
      await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
      await ledger().reserve({ tenant, key, milliCredits: 1_000, agent: 'meter', skill: 'tick' });
      const b = new LeasedCreditHolds({ ledger: ledger(), logger, replica: `b-${then}` });
      await b.reserve({ tenant, key, milliCredits: 1_000, agent: 'meter', skill: 'tick' });
      assert.equal((await b.settle(key, 800)).chargedMilliCredits, 800);
      await b.close();
      const late = then === 'refund' ? await ledger().refund(key, 'the agent failed') : await ledger().settle(key, 900);
      assert.equal(late.replayed, true, `the first try's ${then} replays the retry's settlement`);
      assert.equal(late.chargedMilliCredits, 800);
      assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 800, calls: 1 }]);
      assert.deepEqual(await ledger().balance(tenant), { tenant, milliCredits: 100_000 - 800, reservedMilliCredits: 0, availableMilliCredits: 100_000 - 800 });
    }
    assert.deepEqual((await ledger().reconcile()).discrepancies, []);
  });

  test('the last credits are spendable and the next call is refused with an exact 402', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 10_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 4 });
    for (let i = 0; i < 10; i++) {
      await holds.reserve({ tenant, key: `c${i}`, milliCredits: 1_000, agent: 'meter', skill: 'tick' });
      await holds.settle(`c${i}`, 1_000);
    }
    await holds.flush();
    await holds.returnIdle(true);
    await assert.rejects(holds.reserve({ tenant, key: 'c10', milliCredits: 1_000, agent: 'meter', skill: 'tick' }), (err: { code?: string; details?: unknown }) => {
      assert.equal(err.code, 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS');
      return true;
    });
    await holds.close();
    assert.deepEqual(await ledger().balance(tenant), { tenant, milliCredits: 0, reservedMilliCredits: 0, availableMilliCredits: 0 });
  });

  test('a task that outlives its call is pinned to a reservation of its own, settled through the ledger', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger });
    await holds.reserve({ tenant, key: 'long', milliCredits: 3_000, agent: 'meter', skill: 'tick' });
    await holds.pin('long');
    const pinned = (await ledger().holds(tenant)).find((h) => h.key === 'long');
    assert.equal(pinned?.milliCredits, 3_000);
    await holds.close();
    // The lease went back; the pinned hold stays until its task ends, on any replica.
    assert.deepEqual((await ledger().holds(tenant)).map((h) => h.key), ['long']);
    assert.equal((await ledger().settle('long', 2_500)).chargedMilliCredits, 2_500);
    assert.equal((await ledger().balance(tenant)).availableMilliCredits, 97_500);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a pin whose carve landed but whose answer was lost is sent again and found: the call is charged once', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    // The real ledger, its first carve's answer lost after it committed (a connection reset after COMMIT).
    let lost = 0;
    const real = ledger();
    const answerLost: CreditLedger = Object.create(real, {
      carveLease: {
        value: async (...args: Parameters<CreditLedger['carveLease']>) => {
          const carved = await real.carveLease(...args);
          if (lost++ === 0) throw new Error('Connection terminated unexpectedly');
          return carved;
        },
      },
    });
    const holds = new LeasedCreditHolds({ ledger: answerLost, logger });
    await holds.reserve({ tenant, key: 'parked', milliCredits: 3_000, agent: 'payments', skill: 'pay' });
    await holds.pin('parked');
    // As an approved call's answer moves it: under its task's key, then settled.
    await holds.rekey('parked', 'task/payments:parked');
    await holds.settle('task/payments:parked', 3_000);
    await holds.close();
    // One charge of the call, nothing of it still held, and the lease went back whole.
    assert.deepEqual((await ledger().holds(tenant)).map((h) => h.key), []);
    assert.equal((await ledger().balance(tenant)).availableMilliCredits, 97_000);
    await assertConserved(ledger(), tenant, 100_000);
    assert.equal((await ledger().reconcile()).ok, true);
    assert.equal(lost, 2, 'the carve was sent again');
  });

  test('a pin whose carve landed but whose every answer was lost is sent again before its hold is moved, settled or refunded: each call is charged at most once', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    // The real ledger, every carve's answer lost after it committed while `lossy` (a connection reset after each COMMIT).
    let lossy = true;
    let carves = 0;
    const real = ledger();
    const answersLost: CreditLedger = Object.create(real, {
      carveLease: {
        value: async (...args: Parameters<CreditLedger['carveLease']>) => {
          const carved = await real.carveLease(...args);
          carves++;
          if (lossy) throw new Error('Connection terminated unexpectedly');
          return carved;
        },
      },
    });
    const holds = new LeasedCreditHolds({ ledger: answersLost, logger });
    await holds.reserve({ tenant, key: 'approved', milliCredits: 3_000, agent: 'payments', skill: 'pay' });
    await holds.reserve({ tenant, key: 'denied', milliCredits: 2_000, agent: 'payments', skill: 'pay' });
    await holds.pin('approved');
    await holds.pin('denied');
    assert.ok(carves > 2, 'each carve sent again, none answered');
    assert.deepEqual((await ledger().holds(tenant)).filter((h) => h.agent !== LEASE_AGENT).map((h) => h.key).sort(), ['approved', 'denied'], 'both carves landed');
    lossy = false;
    // As an approved call's answer moves it: under its task's key, then settled. The denied call is refunded.
    await holds.rekey('approved', 'task/payments:approved');
    await holds.settle('task/payments:approved', 3_000);
    await holds.refund('denied', 'denied by an approver');
    await holds.close();
    // One charge of the approved call, none of the denied one, nothing still held, and the lease went back whole.
    assert.deepEqual((await ledger().holds(tenant)).map((h) => h.key), []);
    assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 3_000, calls: 1 }]);
    assert.equal((await ledger().balance(tenant)).availableMilliCredits, 97_000);
    await assertConserved(ledger(), tenant, 100_000);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('a hold whose pin is in doubt is not settled while the ledger still gives no answer: the settle fails, and its retry charges once', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    let lossy = true;
    const real = ledger();
    const answersLost: CreditLedger = Object.create(real, {
      carveLease: {
        value: async (...args: Parameters<CreditLedger['carveLease']>) => {
          const carved = await real.carveLease(...args);
          if (lossy) throw new Error('Connection terminated unexpectedly');
          return carved;
        },
      },
    });
    const holds = new LeasedCreditHolds({ ledger: answersLost, logger });
    await holds.reserve({ tenant, key: 'tracked', milliCredits: 3_000, agent: 'payments', skill: 'pay' });
    await holds.pin('tracked');
    // Not settled on the lease while the carved reservation may stand: the caller (a tracker, an approval's sweep) tries again.
    await assert.rejects(holds.settle('tracked', 2_000));
    lossy = false;
    assert.equal((await holds.settle('tracked', 2_000)).chargedMilliCredits, 2_000);
    assert.equal((await holds.settle('tracked', 2_000)).replayed, true);
    await holds.close();
    assert.deepEqual((await ledger().holds(tenant)).map((h) => h.key), []);
    assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 2_000, calls: 1 }]);
    await assertConserved(ledger(), tenant, 100_000);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('killed with settlements in memory: the lease stays held (visible in holds) until the hold-expiry policy refunds it; unwritten calls are not charged', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, replica: 'doomed', leaseCalls: 10, flushMs: 60_000 });
    await holds.reserve({ tenant, key: 'written', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    await holds.settle('written', 1_000);
    await holds.flush();
    await holds.reserve({ tenant, key: 'unwritten', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    await holds.settle('unwritten', 1_000);
    await holds.reserve({ tenant, key: 'running', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    holds.abandon();

    const left = await ledger().holds(tenant);
    assert.equal(left.length, 1);
    assert.equal(left[0]!.agent, LEASE_AGENT);
    assert.match(left[0]!.key, /^lease:doomed:/);
    assert.equal(left[0]!.milliCredits, 9_000, 'the block of 10 calls less the one written');
    assert.deepEqual(await ledger().balance(tenant), { tenant, milliCredits: 99_000, reservedMilliCredits: 9_000, availableMilliCredits: 90_000 });

    const expired = await ledger().expireHolds({ now: Date.now() + 2 * 86_400_000, maxHoldMs: 86_400_000 });
    assert.deepEqual(expired.filter((s) => s.tenant === tenant).map((s) => s.releasedMilliCredits), [9_000]);
    assert.deepEqual(await ledger().balance(tenant), { tenant, milliCredits: 99_000, reservedMilliCredits: 0, availableMilliCredits: 99_000 });
    assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 1_000, calls: 1 }]);
    assert.equal((await ledger().reconcile()).ok, true);
  });

  test('settlements written after their lease expired charge the available balance, never below zero', async () => {
    const tenant = newTenant();
    await ledger().topUp(tenant, 10_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger: ledger(), logger, leaseCalls: 4, leaseShare: 1, flushMs: 60_000 });
    await holds.reserve({ tenant, key: 'x1', milliCredits: 1_000, agent: 'meter', skill: 'tick' });
    await holds.settle('x1', 1_000);
    const [lease] = await ledger().holds(tenant);
    await ledger().release(tenant, lease!.key, 'operator released a lease');
    await holds.flush();
    await holds.close();
    assert.deepEqual(await ledger().usage({ tenant, groupBy: [] }), [{ milliCredits: 1_000, calls: 1 }]);
    assert.deepEqual(await ledger().balance(tenant), { tenant, milliCredits: 9_000, reservedMilliCredits: 0, availableMilliCredits: 9_000 });
    assert.equal((await ledger().reconcile()).ok, true);
  });
});
