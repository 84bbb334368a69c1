/**
 * The usual lease batch on PostgreSQL (ADR 0060; two round trips since ADR 0068) looks its
 * keys up with the lease's lock, then inserts them in its next round trip. A
 * key another replica settles in between makes that insert fail on the key's
 * uniqueness: the batch rolls back and goes the general way, where that key
 * is charged by whoever wrote it first and the rest as usual.
 *
 * The interleaving is made, not hoped for: the test's own connection holds
 * the tenant's balance row, so the other replica's batch stops after its
 * insert of the key (at the balance update), uncommitted and invisible to the
 * first replica's lookup; the first replica's insert of that key then waits
 * on it; the test lets go once both wait (seen in `pg_stat_activity`), and
 * the other replica commits before the first one's insert is answered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { createCreditLedger, type CreditLedger } from '../../src/tenancy/index.js';
import { createTestSchema, postgresSkipReason, waitFor, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();

describe('a lease batch whose key another replica settles between the lock and the insert', { skip }, () => {
  let schema: TestSchema;
  let databases: Database[];
  let replicas: CreditLedger[];
  let own: pg.Client;
  /** Reads pg_stat_activity: not `own`, whose open transaction would see one snapshot of it throughout. */
  let watcher: pg.Client;

  before(async () => {
    schema = await createTestSchema();
    const first = await createDatabase({ url: schema.url, poolSize: 4 });
    const second = await createDatabase({ url: schema.url, poolSize: 4, migrate: false });
    databases = [first, second];
    const logger = createLogger({ level: 'silent' });
    replicas = databases.map((database) => createCreditLedger({ database, logger, metrics: createMetrics({ defaultMetrics: false }) }));
    own = new pg.Client({ connectionString: schema.url });
    watcher = new pg.Client({ connectionString: schema.url });
    await Promise.all([own.connect(), watcher.connect()]);
  });
  after(async () => {
    await own?.end();
    await watcher?.end();
    for (const database of databases ?? []) await database.close();
    await schema?.drop();
  });

  /** The statement of this schema's sessions that waits on a lock and holds `marker` in its text, if one does. */
  const waitingWith = async (marker: string): Promise<string | undefined> => {
    const { rows } = await watcher.query<{ query: string }>("select query from pg_stat_activity where wait_event_type = 'Lock' and state = 'active' and position($1 in query) > 0", [marker]);
    return rows[0]?.query;
  };

  test('falls back to the general path: the key is charged once, by the replica that wrote it first, and the rest of the batch as usual', async () => {
    const tenant = 'interleaved';
    const [a, b] = replicas as [CreditLedger, CreditLedger];
    await a.topUp(tenant, 100_000, 'interleaved-funds');
    await a.reserve({ tenant, key: 'lease:a', milliCredits: 20_000, agent: 'gateway-lease', skill: '*' });
    await b.reserve({ tenant, key: 'lease:b', milliCredits: 20_000, agent: 'gateway-lease', skill: '*' });
    const spend = (key: string, charged: number) => ({ key, tenant, agent: 'scorer', skill: 'score', clientId: 'c1', held: 1_000, charged, requested: charged, state: 'completed', createdAt: Date.now() });
    // The call whose key both replicas settle (a retry that reached each), and two of replica A's own.
    const shared = 'scorer:task-shared';
    const [ownOne, ownTwo] = ['scorer:task-a-1', 'scorer:task-a-2'];

    await own.query('begin');
    await own.query('select 1 from credit_balances where tenant = $1 for update', [tenant]);
    let released = false;
    try {
      const byB = b.spendLease('lease:b', [spend(shared, 300)]);
      // B inserted the key (uncommitted) and waits for the balance row.
      await waitFor('replica B to wait on the balance row after inserting the key', () => waitingWith(shared), { intervalMs: 20 });
      const byA = a.spendLease('lease:a', [spend(shared, 700), spend(ownOne, 500), spend(ownTwo, 400)]);
      // A's lookup did not see B's key; A's own insert of it waits on B's.
      const aWaits = await waitFor("replica A's insert to wait on the key B has not committed", () => waitingWith(ownOne), { intervalMs: 20 });
      assert.match(aWaits, /^insert into credit_reservations \(id, key, /, 'the two-round-trip batch is the one waiting, at its insert');
      await own.query('commit');
      released = true;

      assert.deepEqual((await byB).charged, [true]);
      const resultA = await byA;
      assert.deepEqual(resultA.charged, [false, true, true], 'A charges the shared key nothing: B settled it first');
      assert.equal(resultA.leaseHeld, 20_000 - 500 - 400);
    } finally {
      if (!released) await own.query('rollback');
    }

    const { rows } = await own.query<{ key: string; charged: string; status: string }>('select key, charged::text, status from credit_reservations where key = any($1) order by key', [[shared, ownOne, ownTwo]]);
    assert.deepEqual(
      rows.map((r) => [r.key, Number(r.charged), r.status]),
      [
        [ownOne, 500, 'settled'],
        [ownTwo, 400, 'settled'],
        [shared, 300, 'settled'],
      ],
      'one row per key, the shared one as B wrote it',
    );
    assert.deepEqual(await a.usage({ tenant, groupBy: ['agent'] }), [{ agent: 'scorer', milliCredits: 300 + 500 + 400, calls: 3 }]);
    assert.deepEqual(await b.balance(tenant), {
      tenant,
      milliCredits: 100_000 - 1_200,
      reservedMilliCredits: 20_000 - 900 + (20_000 - 300),
      availableMilliCredits: 100_000 - 40_000,
    });
    assert.equal((await b.reconcile()).ok, true);
  });
});
