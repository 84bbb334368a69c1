/**
 * The registry run replicated on PostgreSQL: instance leases, heartbeats and probe due times are
 * written and judged on the database's clock, so a replica whose host clock runs ahead of the
 * others' does not take live instances out of rotation, and one whose clock runs behind does not
 * write leases that have lapsed already or probes due at once.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { RegistryStore } from '../../src/registry/store/registry-store.js';
import { DATABASE_NOW_MS, databaseClock } from '../../src/storage/index.js';
import { openPostgresDatabase, type PostgresDatabase } from '../helpers/database-backends.js';
import { register } from '../helpers/registry-store-writes.js';
import { postgresSkipReason } from '../helpers/services.js';

const skip = await postgresSkipReason();

/** Further than any lease here lives: a clock this far off judges every lease wrongly. */
const SKEW_MS = 60_000;
const LEASE_TTL_MS = 30_000;
const FORGET_AFTER_MS = 600_000;
const realNow = Date.now.bind(Date);

/** Runs `work` as on a host whose clock is `skewMs` off (the database's is not). */
async function onSkewedHost<T>(t: TestContext, skewMs: number, work: () => Promise<T>): Promise<T> {
  const mocked = t.mock.method(Date, 'now', () => realNow() + skewMs);
  try {
    return await work();
  } finally {
    mocked.mock.restore();
  }
}

describe('registry leases on PostgreSQL, replicas whose clocks disagree', { skip }, () => {
  let postgres: PostgresDatabase;
  before(async () => {
    postgres = await openPostgresDatabase({ poolSize: 4 });
  });
  after(async () => {
    await postgres?.close();
  });

  /** The database's time now, read apart from the stores under test. */
  async function databaseNow(): Promise<number> {
    const { rows } = await sql<{ now: string }>`select ${DATABASE_NOW_MS} as now`.execute(postgres.database.db);
    return Number(rows[0]!.now);
  }

  async function registerLeased(store: RegistryStore, name: string): Promise<string> {
    const id = `${name}-1`;
    await store.writeAgent(name, register(name), { instance: { id, url: `https://${name}.example.com/a2a`, kind: 'leased', leaseTtlMs: LEASE_TTL_MS } });
    return id;
  }

  test("the clock reads the database's time on a host whose clock is off, alone and as a query's column", async (t) => {
    const clock = databaseClock(postgres.database);
    const read = await onSkewedHost(t, SKEW_MS, () => clock.now());
    assert.ok(Math.abs(read - (await databaseNow())) < 2_000, `read ${read}, the database says ${await databaseNow()}`);
    const { rows } = await onSkewedHost(t, SKEW_MS, () => sql<{ now: string }>`select ${clock.column()} as now`.execute(postgres.database.db));
    assert.ok(Math.abs(Number(rows[0]!.now) - (await databaseNow())) < 2_000, `the column said ${rows[0]!.now}, the database says ${await databaseNow()}`);
  });

  test('a replica whose clock runs ahead of a live lease leaves the instance in rotation', async (t) => {
    const writer = new RegistryStore(postgres.database);
    const ahead = new RegistryStore(postgres.database);
    await registerLeased(writer, 'ahead');
    const swept = await onSkewedHost(t, SKEW_MS, () => ahead.sweepLeases(FORGET_AFTER_MS));
    assert.deepEqual(swept.filter((c) => c.agent === 'ahead'), [], 'the sweep of the replica ahead changed the live instance');
    const [instance] = await onSkewedHost(t, SKEW_MS, () => ahead.listInstances('ahead'));
    assert.equal(instance?.inRotation, true, JSON.stringify(instance));
    assert.equal(instance?.probe.state, 'unknown');
  });

  test('a lease renewed by a replica whose clock runs behind lives its whole time on the others', async (t) => {
    const writer = new RegistryStore(postgres.database);
    const behind = new RegistryStore(postgres.database);
    const other = new RegistryStore(postgres.database);
    const id = await registerLeased(writer, 'behind');
    const renewed = await onSkewedHost(t, -SKEW_MS, () => behind.heartbeat('behind', id));
    const expires = Date.parse(renewed?.leaseExpiresAt ?? '');
    const expected = (await databaseNow()) + LEASE_TTL_MS;
    assert.ok(Math.abs(expires - expected) < 2_000, `lease written to expire at ${renewed?.leaseExpiresAt}, the database's clock says ${new Date(expected).toISOString()}`);
    assert.deepEqual((await other.sweepLeases(FORGET_AFTER_MS)).filter((c) => c.agent === 'behind'), []);
    const [instance] = await other.listInstances('behind');
    assert.equal(instance?.inRotation, true, JSON.stringify(instance));
  });

  test('a probe recorded by a replica whose clock runs behind is next due an interval later on every replica', async (t) => {
    const writer = new RegistryStore(postgres.database);
    const behind = new RegistryStore(postgres.database);
    const other = new RegistryStore(postgres.database);
    const id = await registerLeased(writer, 'probed');
    const claimed = await behind.claimDueProbes(100, 30_000);
    assert.ok(claimed.some((p) => p.id === id), 'a new instance is due for its first probe at once');
    await onSkewedHost(t, -SKEW_MS, () => behind.recordProbe(id, { ok: true, latencyMs: 3 }, 10_000, 10));
    const due = await other.claimDueProbes(100, 30_000);
    assert.deepEqual(due.filter((p) => p.id === id), [], 'probed again at once: its next probe was timed on the clock running behind');
    const [instance] = await other.listInstances('probed');
    assert.equal(instance?.probe.state, 'up');
    assert.equal(instance?.inRotation, true, JSON.stringify(instance));
  });

  test("a replica whose clock runs ahead prunes the change log by the database's clock, keeping fresh entries", async (t) => {
    const writer = new RegistryStore(postgres.database);
    const ahead = new RegistryStore(postgres.database);
    await writer.writeAgent('pruned-first', register('pruned-first'));
    await writer.writeAgent('pruned-second', register('pruned-second'));
    const before = await writer.changeBounds();
    const pruned = await onSkewedHost(t, SKEW_MS, () => ahead.pruneChanges(LEASE_TTL_MS));
    assert.equal(pruned, 0, 'entries written a moment ago were pruned as older than the retention');
    assert.deepEqual(await writer.changeBounds(), before);
  });
});
