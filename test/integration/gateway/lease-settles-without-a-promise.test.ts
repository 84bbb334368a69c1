/**
 * A call held on a credit lease is held, moved to its task's key and settled
 * in memory; the `…Now` forms the proxy uses say so by answering without a
 * promise (ADR 0057), so a priced call's path waits for no turn of the
 * microtask queue. Taking a lease, a hold the ledger keeps (`exact` mode)
 * and a task still running answer with promises. Whichever way, the ledger
 * ends the same. A real SQLite ledger, the gateway's holds and tracker.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exactCreditHolds, LeasedCreditHolds, type CreditHolds } from '../../../src/gateway/credits/index.js';
import { settleOrTrackNow, taskChargeKey, type SettleCall } from '../../../src/gateway/settle-or-track.js';
import { SettlementTracker } from '../../../src/gateway/settlement-tracker.js';
import { AnswerTap } from '../../../src/gateway/stream-task-tap.js';
import { createLogger } from '../../../src/observability/index.js';
import { sqliteLedgerForSuite } from '../../helpers/sqlite-ledger.js';

const logger = createLogger({ level: 'silent' });

/** The tap of a v1 JSON-RPC answer naming task `taskId` in `state`, which reports `credits` used. */
function answered(taskId: string, state: string, credits: number): AnswerTap {
  const tap = new AnswerTap(false);
  tap.onChunk(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { id: taskId, contextId: 'c', status: { state }, metadata: { 'agentmesh.usage': { credits } } } } })));
  tap.finish();
  return tap;
}

describe('a call held on a lease settles without a promise', () => {
  let tenants = 0;

  const { ledger, database } = sqliteLedgerForSuite('agentmesh-lease-at-once-');

  /** A tenant with 100 credits, holds of the given kind in front of the ledger, and a tracker over them. */
  async function setUp(kind: 'lease' | 'exact') {
    const tenant = `at-once-${++tenants}`;
    await ledger().topUp(tenant, 100_000, `${tenant}-topup`);
    const leased = kind === 'lease' ? new LeasedCreditHolds({ ledger: ledger(), logger, flushMs: 5 }) : undefined;
    const credits: CreditHolds = leased ?? exactCreditHolds(ledger());
    const tracker = new SettlementTracker({ ledger: credits, read: async () => undefined, logger, db: database().db });
    const call = (n: number, tap: AnswerTap): SettleCall => ({ key: `scorer:${tenant}:m-${n}`, version: '1.0', tap, estimate: 2_000, agent: 'scorer', tenant, subject: 'user', failed: false });
    const input = (n: number) => ({ tenant, key: `scorer:${tenant}:m-${n}`, milliCredits: 2_000, agent: 'scorer', skill: 'score' });
    return { tenant, credits, leased, deps: { tracker, credits }, call, input, close: async () => leased?.close() };
  }

  test('on a lease: the first hold takes the lease (a promise); the next are held, moved and settled at once, and charged as the async forms charge', async () => {
    const s = await setUp('lease');
    try {
      const first = s.credits.reserveNow(s.input(1));
      assert.ok(first instanceof Promise, 'taking the lease writes the ledger');
      assert.deepEqual(await first, { replayed: false });

      const held = s.credits.reserveNow(s.input(2));
      assert.ok(!(held instanceof Promise), 'a call the lease covers is held in memory');
      assert.equal(held.replayed, false);
      const settled = settleOrTrackNow(s.deps, s.call(2, answered('task-2', 'TASK_STATE_COMPLETED', 1.5)));
      assert.equal(settled, 1_500, 'moved to its task key and settled at once, at what the task reported');

      // The first call through the async form: the same charge.
      assert.equal(await settleOrTrackNow(s.deps, s.call(1, answered('task-1', 'TASK_STATE_COMPLETED', 1.5))), 1_500);

      await s.credits.flush();
      const [usage] = await ledger().usage({ tenant: s.tenant, groupBy: [] });
      assert.equal(usage?.milliCredits, 3_000);
      const keys = (await ledger().holds(s.tenant)).map((h) => h.key);
      assert.ok(!keys.includes(taskChargeKey('scorer', s.tenant, 'task-2')), 'nothing is held under a settled task');
    } finally {
      await s.close();
    }
  });

  test('a task still running is tracked, which writes: a promise', async () => {
    const s = await setUp('lease');
    try {
      await s.credits.reserveNow(s.input(1));
      const tracked = settleOrTrackNow(s.deps, s.call(1, answered('task-running', 'TASK_STATE_WORKING', 0)));
      assert.ok(tracked instanceof Promise);
      assert.equal(await tracked, undefined, 'nothing charged yet');
    } finally {
      await s.close();
    }
  });

  test('exact holds write each operation: promises, and the same charge', async () => {
    const s = await setUp('exact');
    const held = s.credits.reserveNow(s.input(1));
    assert.ok(held instanceof Promise);
    assert.deepEqual(await held, { replayed: false });
    const settled = settleOrTrackNow(s.deps, s.call(1, answered('task-exact', 'TASK_STATE_COMPLETED', 1.5)));
    assert.ok(settled instanceof Promise);
    assert.equal(await settled, 1_500);
    const [usage] = await ledger().usage({ tenant: s.tenant, groupBy: [] });
    assert.equal(usage?.milliCredits, 1_500);
  });
});
