/**
 * On PostgreSQL: a parked call's pin (the carve of its hold out of the gateway's credit lease into a
 * reservation of its own) while every COMMIT's connection is reset before its answer, as the nemesis's
 * `reset-after-commit` fault does: the first carve lands, and every send again (which finds it) loses
 * its answer too. The call is still charged once: the hold is not settled on the lease while the
 * carve is in doubt, and the carve sent again once the database answers finds the first one.
 * Before, the hold stayed on the lease too: the approved call was settled there under its task's key
 * while the carved reservation stayed held (docs/reliability.md, "Anomalies found").
 *
 * The ledger reaches PostgreSQL through a TCP proxy the test controls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LeasedCreditHolds, LEASE_AGENT } from '../../src/gateway/credits/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { createCreditLedger, type CreditLedger } from '../../src/tenancy/index.js';
import { createTestSchema, postgresSkipReason, randomSuffix, type TestSchema } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { closeInTurn } from '../helpers/close-in-turn.js';

const skip = await postgresSkipReason();
const logger = createLogger({ level: 'silent' });

describe('a credit lease pin whose every answer is lost, on PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let direct: Database;
  let proxied: Database;
  let ledger: CreditLedger;
  /** The same books read without the proxy. */
  let books: CreditLedger;

  before(async () => {
    schema = await createTestSchema();
    direct = await createDatabase({ url: schema.url, poolSize: 2 });
    const front = await proxyInFrontOf(schema.url, 5432);
    proxy = front.proxy;
    proxied = await createDatabase({ url: front.url, poolSize: 4, migrate: false });
    ledger = createCreditLedger({ database: proxied, logger, metrics: createMetrics({ defaultMetrics: false }) });
    books = createCreditLedger({ database: direct, logger, metrics: createMetrics({ defaultMetrics: false }) });
  });
  after(() => closeInTurn(proxied, direct, () => proxy?.close(), () => schema?.drop()));

  /** The approved call's path after its pin: moved to its task's key, settled; and the denied call's, refunded. */
  async function approveAndDeny(holds: LeasedCreditHolds, tenant: string): Promise<void> {
    await holds.rekey(`payments:${tenant}:approved`, `task/payments:${tenant}:task-1`);
    await holds.settle(`task/payments:${tenant}:task-1`, 3_000, { state: 'TASK_STATE_COMPLETED' });
    await holds.refund(`payments:${tenant}:denied`, 'denied by an approver');
    await holds.close();
  }

  async function assertChargedOnce(tenant: string, toppedUp: number): Promise<void> {
    assert.deepEqual((await books.holds(tenant)).map((h) => h.key), [], 'nothing of the calls still held, the lease returned');
    assert.deepEqual(await books.usage({ tenant, groupBy: [] }), [{ milliCredits: 3_000, calls: 1 }]);
    assert.deepEqual(await books.balance(tenant), { tenant, milliCredits: toppedUp - 3_000, reservedMilliCredits: 0, availableMilliCredits: toppedUp - 3_000 });
    assert.deepEqual((await books.reconcile()).discrepancies, []);
  }

  test('a parked call whose carve landed while every answer was lost is charged once when approved, and not at all when denied', async () => {
    const tenant = `pin-${randomSuffix()}`;
    await books.topUp(tenant, 100_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger, logger });
    await holds.reserve({ tenant, key: `payments:${tenant}:approved`, milliCredits: 3_000, agent: 'payments', skill: 'pay' });
    await holds.reserve({ tenant, key: `payments:${tenant}:denied`, milliCredits: 2_000, agent: 'payments', skill: 'pay' });
    proxy.cutAfterClientSends(/\bcommit\b/i);
    try {
      await holds.pin(`payments:${tenant}:approved`);
      await holds.pin(`payments:${tenant}:denied`);
    } finally {
      proxy.heal();
    }
    const carved = (await books.holds(tenant)).filter((h) => h.agent !== LEASE_AGENT).map((h) => h.key);
    assert.deepEqual(carved.sort(), [`payments:${tenant}:approved`, `payments:${tenant}:denied`], 'both carves landed, unanswered');
    await approveAndDeny(holds, tenant);
    await assertChargedOnce(tenant, 100_000);
  });

  test('a carve that landed on the last credits of its lease is found when sent again, not refused', async () => {
    const tenant = `pin-${randomSuffix()}`;
    // A lease of two calls, the whole balance; the first call's settlement leaves it just the second's credits.
    await books.topUp(tenant, 6_000, `${tenant}-topup`);
    const holds = new LeasedCreditHolds({ ledger, logger, leaseCalls: 2, leaseShare: 1 });
    await holds.reserve({ tenant, key: `payments:${tenant}:first`, milliCredits: 3_000, agent: 'payments', skill: 'pay' });
    await holds.settle(`payments:${tenant}:first`, 3_000);
    await holds.flush();
    await holds.reserve({ tenant, key: `payments:${tenant}:approved`, milliCredits: 3_000, agent: 'payments', skill: 'pay' });
    const [lease] = await books.holds(tenant);
    assert.equal(lease?.milliCredits, 3_000, 'the lease holds just the parked call');
    proxy.cutAfterClientSends(/\bcommit\b/i);
    try {
      await holds.pin(`payments:${tenant}:approved`);
    } finally {
      proxy.heal();
    }
    await holds.rekey(`payments:${tenant}:approved`, `task/payments:${tenant}:task-1`);
    await holds.settle(`task/payments:${tenant}:task-1`, 3_000, { state: 'TASK_STATE_COMPLETED' });
    await holds.close();
    assert.deepEqual((await books.holds(tenant)).map((h) => h.key), [], 'nothing of the call still held, the lease returned');
    assert.deepEqual(await books.usage({ tenant, groupBy: [] }), [{ milliCredits: 6_000, calls: 2 }]);
    assert.deepEqual(await books.balance(tenant), { tenant, milliCredits: 0, reservedMilliCredits: 0, availableMilliCredits: 0 });
    assert.deepEqual((await books.reconcile()).discrepancies, []);
  });
});
