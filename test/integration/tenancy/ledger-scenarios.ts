/**
 * Ledger scenarios shared by the SQLite suite (test/integration/tenancy) and
 * the PostgreSQL one (test/services/tenancy-ledger.test.ts): each drives a
 * real ledger and returns what it did, with the figures computed by hand.
 */
import assert from 'node:assert/strict';
import type { CreditLedger } from '../../../src/tenancy/index.js';
import { mulberry32 } from '../../../agents/data/mulberry32.js';

/** Deterministic PRNG (the example data's mulberry32): the same seed gives the same 1,000 tasks every run. */
export const prng = mulberry32;

/**
 * `callers` reserves of `price` against a balance that fits exactly `fits`
 * of them, spread over `ledgers` (several ledgers = several
 * replicas/connections on one database): all at once, or `inFlight` at a
 * time when given. Returns how many were held and refused.
 */
export async function concurrentReservations(ledgers: CreditLedger[], options: { tenant: string; callers: number; fits: number; price: number; inFlight?: number }): Promise<{ held: number; refused: number; otherErrors: unknown[] }> {
  const { tenant, callers, fits, price, inFlight = callers } = options;
  await ledgers[0]!.topUp(tenant, fits * price, `${tenant}-concurrency-funds`);
  const reserve = (i: number) => ledgers[i % ledgers.length]!.reserve({ tenant, key: `${tenant}:race:${i}`, milliCredits: price, agent: 'enricher', skill: 'enrichLeads' });
  const outcomes: Array<PromiseSettledResult<unknown>> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, callers) }, async () => {
      for (let i = next++; i < callers; i = next++) {
        [outcomes[i]] = await Promise.allSettled([reserve(i)]);
      }
    }),
  );
  let held = 0;
  let refused = 0;
  const otherErrors: unknown[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') held++;
    else if ((outcome.reason as { code?: string }).code === 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS') refused++;
    else otherErrors.push(outcome.reason);
  }
  return { held, refused, otherErrors };
}

/** What {@link mixedTasks} expects the ledger to hold afterwards, computed without it. */
export interface MixedTasksExpectation {
  toppedUp: number;
  charged: number;
  completed: number;
  failed: number;
  cancelled: number;
  retries: number;
  byAgent: Map<string, { milliCredits: number; calls: number }>;
}

const AGENTS = ['enricher', 'scorer', 'campaigner'] as const;

/**
 * Runs `tasks` tasks in waves of `concurrency` (several ledgers: spread over
 * them): each reserves a hold (half under a message key rekeyed to the task
 * id), then completes (settled at an actual usage from 0 to 150% of the
 * hold, capped at the hold), fails or is cancelled (refunded). One in five
 * retries its reserve and its close, which must change nothing.
 */
export async function mixedTasks(ledgers: CreditLedger[], options: { tenant: string; tasks: number; seed: number; concurrency: number }): Promise<MixedTasksExpectation> {
  const random = prng(options.seed);
  const { tenant } = options;
  const expected: MixedTasksExpectation = { toppedUp: 0, charged: 0, completed: 0, failed: 0, cancelled: 0, retries: 0, byAgent: new Map() };
  const funds = 1_000 * 5_000;
  await ledgers[0]!.topUp(tenant, funds, `${tenant}-mixed-funds`);
  expected.toppedUp += funds;

  const plans = Array.from({ length: options.tasks }, (_, i) => {
    const hold = Math.floor(random() * 5_001);
    const roll = random();
    const outcome = roll < 0.6 ? 'completed' : roll < 0.8 ? 'failed' : 'cancelled';
    const actual = Math.floor(random() * hold * 1.5);
    return { i, hold, outcome, actual, agent: AGENTS[i % AGENTS.length]!, viaMessage: random() < 0.5, retry: random() < 0.2 };
  });
  for (const plan of plans) {
    if (plan.outcome === 'completed') {
      const charge = Math.min(plan.actual, plan.hold);
      expected.charged += charge;
      expected.completed++;
      const agent = expected.byAgent.get(plan.agent) ?? { milliCredits: 0, calls: 0 };
      expected.byAgent.set(plan.agent, { milliCredits: agent.milliCredits + charge, calls: agent.calls + 1 });
    } else if (plan.outcome === 'failed') expected.failed++;
    else expected.cancelled++;
    if (plan.retry) expected.retries++;
  }

  for (let start = 0; start < plans.length; start += options.concurrency) {
    await Promise.all(
      plans.slice(start, start + options.concurrency).map(async (plan) => {
        const ledger = ledgers[plan.i % ledgers.length]!;
        const retryLedger = ledgers[(plan.i + 1) % ledgers.length]!;
        const taskKey = `${plan.agent}:task-${options.seed}-${plan.i}`;
        const firstKey = plan.viaMessage ? `${tenant}:${plan.agent}:msg-${plan.i}` : taskKey;
        const input = { tenant, key: firstKey, milliCredits: plan.hold, agent: plan.agent, skill: 'run' };
        const reservation = await ledger.reserve(input);
        assert.equal(reservation.replayed, false);
        if (plan.retry) assert.equal((await retryLedger.reserve({ ...input, milliCredits: plan.hold + 1 })).replayed, true);
        if (plan.viaMessage) {
          await ledger.rekey(firstKey, taskKey);
          if (plan.retry) await retryLedger.rekey(firstKey, taskKey);
        }
        const close = () =>
          plan.outcome === 'completed' ? ledger.settle(taskKey, plan.actual, { state: 'TASK_STATE_COMPLETED' }) : ledger.refund(taskKey, plan.outcome === 'failed' ? 'task failed' : 'task cancelled');
        const settlement = await close();
        assert.equal(settlement.replayed, false);
        if (plan.retry) {
          const again = plan.outcome === 'completed' ? await retryLedger.settle(taskKey, plan.actual + 7) : await retryLedger.refund(taskKey, 'retry');
          assert.equal(again.replayed, true);
          assert.equal(again.chargedMilliCredits, settlement.chargedMilliCredits);
        }
      }),
    );
  }
  return expected;
}

/**
 * `lowBalances` on a ledger whose default threshold is 1,000 milli-credits:
 * tenants under theirs (own or default) are listed lowest first, a tenant's
 * own threshold wins both ways, and one tenant is asked about alone.
 * Tenant names start with `prefix` (the suites share one database).
 */
export async function lowBalances(ledger: CreditLedger, prefix: string): Promise<void> {
  await ledger.topUp(`${prefix}-poor`, 100, `${prefix}-poor-1`);
  await ledger.topUp(`${prefix}-rich`, 50_000, `${prefix}-rich-1`);
  await ledger.topUp(`${prefix}-careful`, 5_000, `${prefix}-careful-1`);
  await ledger.setLowBalanceThreshold(`${prefix}-careful`, 10_000);
  await ledger.topUp(`${prefix}-relaxed`, 500, `${prefix}-relaxed-1`);
  await ledger.setLowBalanceThreshold(`${prefix}-relaxed`, 0);
  const mine = (await ledger.lowBalances({ limit: 1000 })).filter((b) => b.tenant.startsWith(`${prefix}-`));
  assert.deepEqual(
    mine.map((b) => [b.tenant, b.availableMilliCredits, b.thresholdMilliCredits]),
    [
      [`${prefix}-poor`, 100, 1_000],
      [`${prefix}-careful`, 5_000, 10_000],
    ],
  );
  assert.deepEqual((await ledger.lowBalances({ tenant: `${prefix}-careful` })).map((b) => b.tenant), [`${prefix}-careful`]);
  assert.deepEqual(await ledger.lowBalances({ tenant: `${prefix}-rich` }), []);
  await assert.rejects(ledger.lowBalances({ limit: 0 }), { code: 'AM_ERR_TENANCY_INVALID_ARGUMENT' });
}
