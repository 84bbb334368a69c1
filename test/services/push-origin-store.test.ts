/**
 * The outbox's state per webhook origin, on both backends (ADR 0027): the
 * claim holds a failing origin's rows back except for one probe, which only
 * one replica holds at a time; the origin's return makes every head row
 * claimable at once; a claim takes at most `perOrigin` rows of one origin;
 * expired rows of an origin go together; the canary is written once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SealedPushStore } from '../../src/runtime/push/index.js';
import { deriveSealingKey, sealValue } from '../../src/storage/index.js';
import { databaseBackends, openPostgresStores, runtimeStoresPerTest } from '../helpers/database-backends.js';

const BACKENDS = await databaseBackends({ tmpPrefix: 'agentmesh-push-origins-' });

const LEASE = 30_000;

for (const backend of BACKENDS) {
  describe(`push origins in the outbox: ${backend.name}`, { skip: backend.skip }, () => {
    const { stores } = runtimeStoresPerTest(backend);

    /** A task with one config on `origin` and `events` notifications, written at `now`. */
    async function taskOn(id: string, origin: string | null, events: number, now = 1_000): Promise<void> {
      await stores().tasks.create({ id, agent: 'a', tenant: '', contextId: 'c', state: 'TASK_STATE_WORKING', skill: null, messageId: null, snapshot: '{}', owner: null, idempotent: false, terminal: false, events: [], now });
      await stores().push.putConfig({ taskId: id, id: 'hook', tenant: '', config: '{}', protocol: '1.0', createdAt: now, originKey: origin });
      await stores().tasks.append({ taskId: id, expectedVersion: 0, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: Array.from({ length: events }, (_, i) => ({ seq: i + 1, kind: 'status', payload: '{}' })), now });
    }
    const claim = (owner: string, now: number, perOrigin?: number) => stores().push.claimDue({ now, owner, leaseMs: LEASE, limit: 50, ...(perOrigin !== undefined && { perOrigin }) });
    const down = (key: string, now: number, probe: boolean) => stores().push.markOriginDown(key, { now, probe, error: 'HTTP 503', nextProbeAt: (failures) => now + 1_000 * failures });

    test('a claim takes at most perOrigin heads of one origin; rows without an origin key each count alone', async () => {
      for (const id of ['a1', 'a2', 'a3']) await taskOn(id, 'origin-a', 2);
      for (const id of ['n1', 'n2']) await taskOn(id, null, 2);
      const rows = await claim('r1', 2_000, 2);
      assert.deepEqual(rows.map((r) => [r.taskId, r.seq, r.originKey, r.probe]), [
        ['a1', 1, 'origin-a', false],
        ['a2', 1, 'origin-a', false],
        ['n1', 1, null, false],
        ['n2', 1, null, false],
      ]);
    });

    test('a claim leaves out the origins it is told to skip, and only those: a replica still delivering to them', async () => {
      for (const id of ['a1', 'a2']) await taskOn(id, 'origin-a', 1);
      await taskOn('b1', 'origin-b', 1);
      await taskOn('n1', null, 1);
      const rows = await stores().push.claimDue({ now: 2_000, owner: 'r1', leaseMs: LEASE, limit: 50, skipOrigins: ['origin-a', 'origin-none'] });
      assert.deepEqual(rows.map((r) => r.taskId), ['b1', 'n1']);
      const later = await stores().push.claimDue({ now: 2_100, owner: 'r1', leaseMs: LEASE, limit: 50, skipOrigins: [] });
      assert.deepEqual(later.map((r) => r.taskId), ['a1', 'a2']);
    });

    test('a failing origin yields one probe to one replica at a time; its return releases every head at once', async () => {
      for (const id of ['t1', 't2', 't3']) await taskOn(id, 'origin-a', 2);
      await taskOn('other', 'origin-b', 1);
      const first = await claim('r1', 2_000);
      for (const row of first.filter((r) => r.originKey === 'origin-a')) {
        assert.equal(await down('origin-a', 2_000, false), 1, 'rows that failed together count as one failure');
        await stores().push.markRetry(row.id, { nextAttemptAt: 2_000, error: 'HTTP 503', now: 2_000, owner: 'r1' });
      }
      await stores().push.markDelivered(first.find((r) => r.originKey === 'origin-b')!.id, { now: 2_000, owner: 'r1' });
      assert.equal(await stores().push.originsDown(), 1);
      assert.deepEqual(await claim('r1', 2_500), [], 'nothing of the failing origin before its probe is due');

      // Two replicas ask at once when the probe is due: one gets it.
      const [p1, p2] = await Promise.all([claim('r1', 3_000), claim('r2', 3_000)]);
      const probes = [...p1!, ...p2!];
      const prober = p1!.length > 0 ? 'r1' : 'r2';
      assert.equal(probes.length, 1, JSON.stringify(probes));
      assert.equal(probes[0]!.probe, true);
      assert.deepEqual(await claim('r2', 3_100), [], 'the probe is held');
      assert.deepEqual(await claim('r2', 3_000 + 10 * LEASE), [], 'held by the lease on the database\'s clock, whatever the claimer\'s says');

      // The probe fails: two failures now, the next probe 2 s later.
      assert.equal(await down('origin-a', 3_200, true), 2);
      await stores().push.markRetry(probes[0]!.id, { nextAttemptAt: 3_200, error: 'HTTP 503', now: 3_200, owner: prober });
      assert.deepEqual(await claim('r1', 5_100), []);
      const second = await claim('r2', 5_200);
      assert.equal(second.length, 1);
      assert.equal(second[0]!.probe, true);
      assert.notEqual(second[0]!.taskId, probes[0]!.taskId, 'the head tried longest ago is probed next');

      // It succeeds: every head of the origin is claimable at once.
      await stores().push.markDelivered(second[0]!.id, { now: 5_300, owner: 'r2' });
      await stores().push.markOriginUp('origin-a');
      assert.equal(await stores().push.originsDown(), 0);
      const released = await claim('r1', 5_300);
      assert.deepEqual(released.map((r) => [r.taskId, r.seq, r.probe]).sort(), [
        ['t1', second[0]!.taskId === 't1' ? 2 : 1, false],
        ['t2', second[0]!.taskId === 't2' ? 2 : 1, false],
        ['t3', second[0]!.taskId === 't3' ? 2 : 1, false],
      ]);
    });

    test('a released probe (its row sent nothing) can be taken again at once, the origin still failing', async () => {
      for (const id of ['t1', 't2']) await taskOn(id, 'origin-a', 1);
      const wave = await claim('r1', 2_000, 1);
      await down('origin-a', 2_000, false);
      await stores().push.markRetry(wave[0]!.id, { nextAttemptAt: 2_000, error: 'HTTP 503', now: 2_000, owner: 'r1' });
      const [probe] = await claim('r1', 3_000);
      assert.equal(probe!.probe, true);
      await stores().push.markDelivered(probe!.id, { now: 3_000, owner: 'r1' });
      await stores().push.releaseOriginProbe('origin-a');
      const [next] = await claim('r2', 3_001);
      assert.equal(next?.probe, true, 'the next probe, without waiting for the first one\'s lease');
      assert.notEqual(next!.taskId, probe!.taskId);
      assert.equal(await stores().push.originsDown(), 1);
    });

    test('claimNext takes the head of one task and config when due, unclaimed and its origin is not failing', async () => {
      await taskOn('t1', 'origin-a', 3);
      const [head] = await claim('r1', 2_000);
      assert.equal(await stores().push.claimNext('t1', 'hook', { now: 2_000, owner: 'r2', leaseMs: LEASE }), undefined, 'the head is claimed');
      await stores().push.markDelivered(head!.id, { now: 2_000, owner: 'r1' });
      const second = await stores().push.claimNext('t1', 'hook', { now: 2_000, owner: 'r1', leaseMs: LEASE });
      assert.deepEqual([second?.seq, second?.originKey, second?.probe], [2, 'origin-a', false]);
      await stores().push.markDelivered(second!.id, { now: 2_000, owner: 'r1' });
      await down('origin-a', 2_000, false);
      assert.equal(await stores().push.claimNext('t1', 'hook', { now: 2_000, owner: 'r1', leaseMs: LEASE }), undefined, 'the origin is failing');
      await stores().push.markOriginUp('origin-a');
      assert.equal((await stores().push.claimNext('t1', 'hook', { now: 2_000, owner: 'r1', leaseMs: LEASE }))?.seq, 3);
      assert.equal(await stores().push.claimNext('t1', 'other', { now: 2_000, owner: 'r1', leaseMs: LEASE }), undefined);
    });

    test('a probe of an origin with nothing left to send clears it', async () => {
      await taskOn('t1', 'origin-a', 1);
      const [row] = await claim('r1', 2_000);
      await down('origin-a', 2_000, false);
      await stores().push.markDelivered(row!.id, { now: 2_000, owner: 'r1' });
      assert.deepEqual(await claim('r1', 4_000), []);
      assert.equal(await stores().push.originsDown(), 0);
    });

    test('deadLetterOrigin settles the unclaimed rows of the origin written before the cut, and no other, and names them', async () => {
      await taskOn('old', 'origin-a', 2, 1_000);
      await taskOn('new', 'origin-a', 1, 5_000);
      await taskOn('elsewhere', 'origin-b', 1, 1_000);
      const dead = await stores().push.deadLetterOrigin('origin-a', { createdBefore: 2_000, error: 'network error: ECONNREFUSED (retry window elapsed)', now: 9_000 });
      // Named, so a workflow launch among them fails its task (ADR 0039).
      assert.deepEqual(dead, [{ taskId: 'old', configId: 'hook' }, { taskId: 'old', configId: 'hook' }]);
      assert.deepEqual(await stores().push.stats(), { pending: 2, dead: 2 });
    });

    test('configs stored before origins were recorded get their origin key from recordOrigins; one it cannot open is left alone', async () => {
      const key = deriveSealingKey('r'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1');
      const sealed = new SealedPushStore(stores().push, key);
      const json = (taskId: string, url: string) => JSON.stringify({ id: 'hook', taskId, url });
      for (const id of ['a', 'b', 'c', 'd']) await taskOn(id, null, 0);
      // As an earlier version stored them: sealed (a, b on one origin), in clear (c), or under another secret (d).
      const other = deriveSealingKey('o'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1');
      await stores().push.putConfig({ taskId: 'a', id: 'hook', tenant: '', config: sealValue(key, Buffer.from(json('a', 'https://hooks.example.com/x')), 'push-config:a/hook'), protocol: '1.0', createdAt: 1 });
      await stores().push.putConfig({ taskId: 'b', id: 'hook', tenant: '', config: sealValue(key, Buffer.from(json('b', 'https://HOOKS.example.com:443/y')), 'push-config:b/hook'), protocol: '1.0', createdAt: 1 });
      await stores().push.putConfig({ taskId: 'c', id: 'hook', tenant: '', config: json('c', 'https://other.example.com/'), protocol: '1.0', createdAt: 1 });
      await stores().push.putConfig({ taskId: 'd', id: 'hook', tenant: '', config: sealValue(other, Buffer.from(json('d', 'https://hooks.example.com/x')), 'push-config:d/hook'), protocol: '1.0', createdAt: 1 });
      assert.equal((await stores().push.configsWithoutOrigin(undefined, 10)).length, 4);

      assert.equal(await sealed.recordOrigins(), 3);
      const keyOf = async (taskId: string) => (await stores().push.getConfig(taskId, 'hook'))?.originKey;
      assert.equal(await keyOf('a'), sealed.originKeyOf(json('a', 'https://hooks.example.com/x')));
      assert.equal(await keyOf('a'), await keyOf('b'), 'one origin, one key, however the URL spells it');
      assert.notEqual(await keyOf('c'), await keyOf('a'));
      assert.equal(await keyOf('d'), undefined);
      assert.ok(!(await keyOf('a'))!.includes('hooks'), 'no host name in the key');
      assert.equal(await sealed.recordOrigins(), 0, 'nothing left it can open');
      assert.equal(await stores().push.setConfigOrigin('d', 'hook', 'not what it holds', 'k'), false);
    });

    test('the canary is written once: the first writer wins; replaceCanary is compare-and-set', async () => {
      assert.equal(await stores().push.getCanary('c'), undefined);
      assert.equal(await stores().push.putCanaryIfAbsent('c', 'first', 1), 'first');
      assert.equal(await stores().push.putCanaryIfAbsent('c', 'second', 2), 'first');
      assert.equal(await stores().push.replaceCanary('c', 'not it', 'x'), false);
      assert.equal(await stores().push.replaceCanary('c', 'first', 'third'), true);
      assert.equal(await stores().push.getCanary('c'), 'third');
    });
  });
}

// Two replicas reach for a task's next row at once: the one whose claim holds the head's row lock wins,
// and the other must come away empty rather than take the row behind it (out of order on the wire).
const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
describe('claimNext on PostgreSQL, the head locked by another replica', { skip: postgres.skip }, () => {
  test('returns nothing while the head row is locked, and the head itself once it is free', async () => {
    const pgStores = await openPostgresStores({ poolSize: 2 });
    const { push, tasks } = pgStores.stores;
    try {
      await tasks.create({ id: 't1', agent: 'a', tenant: '', contextId: 'c', state: 'TASK_STATE_WORKING', skill: null, messageId: null, snapshot: '{}', owner: null, idempotent: false, terminal: false, events: [], now: 1_000 });
      await push.putConfig({ taskId: 't1', id: 'hook', tenant: '', config: '{}', protocol: '1.0', createdAt: 1_000, originKey: 'origin-a' });
      await tasks.append({ taskId: 't1', expectedVersion: 0, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: [1, 2, 3].map((seq) => ({ seq, kind: 'status', payload: '{}' })), now: 1_000 });
      const next = () => push.claimNext('t1', 'hook', { now: 2_000, owner: 'r1', leaseMs: LEASE });

      // Another replica's claim is between its lock on the head and its commit.
      await pgStores.admin.query('BEGIN');
      const locked = await pgStores.admin.query<{ seq: number }>("SELECT seq FROM push_outbox WHERE task_id = 't1' ORDER BY id LIMIT 1 FOR UPDATE");
      assert.equal(locked.rows[0]?.seq, 1);
      assert.equal(await next(), undefined, 'not the row behind the locked head');
      await pgStores.admin.query('ROLLBACK');

      assert.equal((await next())?.seq, 1, 'the head, once its lock is gone');
    } finally {
      await pgStores.close();
    }
  });
});
