import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewTask } from '../../src/storage/index.js';
import { databaseBackends, runtimeStoresPerTest } from '../helpers/database-backends.js';
import { submittedTask } from '../helpers/new-task.js';

const BACKENDS = await databaseBackends({ tmpPrefix: 'agentmesh-store-' });

/** Tenant `default` and a fixed clock: the list and prune tests count on both. */
const newTask = (id: string, extra: Partial<NewTask> = {}): NewTask => submittedTask(id, { tenant: 'default', now: 1_000, ...extra });

/**
 * Outbox claim leases are timed by the database's clock, not the `now` a test
 * passes: a claim meant to hold through the test holds a minute; one whose
 * lease has already run out (its claimer paused past it) is taken with a lease
 * already over.
 */
const HELD = 60_000;
const RUN_OUT = -1;
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, kind: 'status', payload: JSON.stringify({ n: from + i }) }));

for (const backend of BACKENDS) {
  describe(`task store conformance: ${backend.name}`, { skip: backend.skip }, () => {
    const { stores } = runtimeStoresPerTest(backend);

    test('create, get and append bump version and lastSeq; a stale expectedVersion writes nothing', async () => {
      await stores().tasks.create(newTask('t1'));
      const created = await stores().tasks.get('t1');
      assert.equal(created?.version, 1);
      assert.equal(created?.lastSeq, 1);
      assert.equal(created?.idempotent, false);
      assert.equal(await stores().tasks.get('nope'), undefined);

      await stores().tasks.append({ taskId: 't1', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{"v":2}', terminal: false, owner: 'r1', events: events(2, 3), now: 2_000 });
      const after = await stores().tasks.get('t1');
      assert.deepEqual([after?.version, after?.lastSeq, after?.state, after?.owner, after?.snapshot, after?.updatedAt], [2, 3, 'TASK_STATE_WORKING', 'r1', '{"v":2}', 2_000]);

      await assert.rejects(
        stores().tasks.append({ taskId: 't1', expectedVersion: 1, state: 'TASK_STATE_FAILED', snapshot: '{"stale":true}', terminal: true, events: events(4, 4), now: 3_000 }),
        (err: { code?: string }) => err.code === 'AM_ERR_TASK_VERSION_CONFLICT',
      );
      const unchanged = await stores().tasks.get('t1');
      assert.deepEqual([unchanged?.version, unchanged?.lastSeq, unchanged?.state, unchanged?.snapshot], [2, 3, 'TASK_STATE_WORKING', '{"v":2}']);
      assert.deepEqual((await stores().tasks.events('t1', 0, 100)).map((e) => e.seq), [1, 2, 3], 'the rejected events were not written');

      // owner undefined leaves it; null releases it.
      await stores().tasks.append({ taskId: 't1', expectedVersion: 2, state: 'TASK_STATE_WORKING', snapshot: '{"v":3}', terminal: false, events: [], now: 3_000 });
      assert.equal((await stores().tasks.get('t1'))?.owner, 'r1');
      await stores().tasks.append({ taskId: 't1', expectedVersion: 3, state: 'TASK_STATE_COMPLETED', snapshot: '{"v":4}', terminal: true, owner: null, events: events(4, 4), now: 4_000 });
      const done = await stores().tasks.get('t1');
      assert.deepEqual([done?.owner, done?.terminal, done?.version, done?.lastSeq], [null, true, 4, 4]);
    });

    test('an append without a snapshot keeps the stored one and still bumps version, state and lastSeq (alone or in a batch)', async () => {
      await stores().tasks.create(newTask('lag-a'));
      await stores().tasks.create(newTask('lag-b'));
      await stores().tasks.append({ taskId: 'lag-a', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{"a":2}', terminal: false, events: events(2, 2), now: 2_000 });
      await stores().tasks.append({ taskId: 'lag-a', expectedVersion: 2, state: 'TASK_STATE_WORKING', terminal: false, events: events(3, 3), now: 3_000 });
      const a = await stores().tasks.get('lag-a');
      assert.deepEqual([a?.version, a?.lastSeq, a?.snapshot, a?.updatedAt], [3, 3, '{"a":2}', 3_000]);
      // Written together (PostgreSQL's group commit puts them in one statement): one with a snapshot, one without.
      await Promise.all([
        stores().tasks.append({ taskId: 'lag-a', expectedVersion: 3, state: 'TASK_STATE_WORKING', terminal: false, events: events(4, 4), now: 4_000 }),
        stores().tasks.append({ taskId: 'lag-b', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{"b":2}', terminal: false, events: events(2, 2), now: 4_000 }),
      ]);
      const [a2, b2] = [await stores().tasks.get('lag-a'), await stores().tasks.get('lag-b')];
      assert.deepEqual([a2?.version, a2?.lastSeq, a2?.snapshot], [4, 4, '{"a":2}']);
      assert.deepEqual([b2?.version, b2?.lastSeq, b2?.snapshot], [2, 2, '{"b":2}']);
      assert.deepEqual((await stores().tasks.events('lag-a', 0, 10)).map((e) => e.seq), [1, 2, 3, 4]);
    });

    test('a long snapshot reads back whole by every read, through appends with and without one, and a short one after it wins', async () => {
      // Long enough to leave a SQLite row (docs/adr/0081-large-task-snapshots-apart-on-sqlite.md); PostgreSQL keeps it in TOAST.
      const long = (tag: string): string => JSON.stringify({ tag, history: 'x'.repeat(600_000) });
      await stores().tasks.heartbeat('gone-soon', 1_000);
      await stores().tasks.create(newTask('big', { messageId: 'msg-big', owner: 'gone-soon', snapshot: long('created') }));
      assert.equal((await stores().tasks.get('big'))?.snapshot, long('created'));
      await stores().tasks.append({ taskId: 'big', expectedVersion: 1, state: 'TASK_STATE_WORKING', terminal: false, events: events(2, 2), now: 2_000 });
      assert.equal((await stores().tasks.get('big'))?.snapshot, long('created'), 'an append without a snapshot keeps the long one');
      await stores().tasks.append({ taskId: 'big', expectedVersion: 2, state: 'TASK_STATE_WORKING', snapshot: long('grown'), terminal: false, events: events(3, 3), now: 3_000 });
      for (const read of [
        await stores().tasks.get('big'),
        await stores().tasks.findByMessage('tester', 'default', 'msg-big', 3_000),
        (await stores().tasks.list({ agent: 'tester', tenant: 'default', pageSize: 10 })).tasks.find((t) => t.id === 'big'),
        (await stores().tasks.orphans([{ id: 'gone-soon', heartbeatAt: 1_000 }], 10)).find((t) => t.id === 'big'),
      ]) {
        assert.equal(read?.snapshot, long('grown'));
        assert.deepEqual([read?.version, read?.lastSeq], [3, 3]);
      }
      await assert.rejects(
        stores().tasks.append({ taskId: 'big', expectedVersion: 2, state: 'TASK_STATE_FAILED', snapshot: long('stale'), terminal: true, events: events(4, 4), now: 4_000 }),
        (err: { code?: string }) => err.code === 'AM_ERR_TASK_VERSION_CONFLICT',
      );
      assert.equal((await stores().tasks.get('big'))?.snapshot, long('grown'), 'a rejected append leaves the long snapshot as it was');
      await stores().tasks.append({ taskId: 'big', expectedVersion: 3, state: 'TASK_STATE_COMPLETED', snapshot: '{"short":true}', terminal: true, owner: null, events: events(4, 4), now: 4_000 });
      assert.equal((await stores().tasks.get('big'))?.snapshot, '{"short":true}');
      assert.equal(await stores().tasks.prune(5_000, 10), 1);
      assert.equal(await stores().tasks.get('big'), undefined);
      await stores().tasks.create(newTask('big', { snapshot: '{"again":true}' }));
      assert.equal((await stores().tasks.get('big'))?.snapshot, '{"again":true}', 'a task made again under a pruned id reads its own snapshot');
    });

    test('two concurrent appends with the same expectedVersion: exactly one wins', async () => {
      await stores().tasks.create(newTask('race'));
      const results = await Promise.allSettled(
        ['a', 'b'].map((who) => stores().tasks.append({ taskId: 'race', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: JSON.stringify({ who }), terminal: false, events: [{ seq: 2, kind: 'status', payload: JSON.stringify({ who }) }], now: 2_000 })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.equal((lost[0]!.reason as { code?: string }).code, 'AM_ERR_TASK_VERSION_CONFLICT');
      const task = await stores().tasks.get('race');
      const log = await stores().tasks.events('race', 0, 10);
      assert.equal(task?.version, 2);
      assert.equal(log.length, 2);
      assert.equal(log[1]!.payload, task?.snapshot, 'the event and the snapshot come from the same winner');
    });

    test('events come back in seq order and page with afterSeq/limit', async () => {
      await stores().tasks.create(newTask('ev', { events: events(1, 3) }));
      await stores().tasks.append({ taskId: 'ev', expectedVersion: 3, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: events(4, 7), now: 2_000 });
      const all = await stores().tasks.events('ev', 0, 100);
      assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(JSON.parse(all[4]!.payload), { n: 5 });
      assert.equal(all[0]!.taskId, 'ev');
      assert.deepEqual((await stores().tasks.events('ev', 2, 3)).map((e) => e.seq), [3, 4, 5]);
      assert.deepEqual((await stores().tasks.events('ev', 5, 3)).map((e) => e.seq), [6, 7]);
      assert.deepEqual(await stores().tasks.events('ev', 7, 3), []);
    });

    test('list filters by agent/tenant/context/state/updatedAfter and pages newest first with totalSize', async () => {
      for (let i = 0; i < 5; i++) await stores().tasks.create(newTask(`l${i}`, { contextId: 'ctx-a', now: 1_000 + i }));
      // Same updatedAt: the id breaks the tie so paging never skips or repeats.
      await stores().tasks.create(newTask('l5', { contextId: 'ctx-a', now: 1_004 }));
      await stores().tasks.create(newTask('other-ctx', { contextId: 'ctx-b', now: 1_010 }));
      await stores().tasks.create(newTask('other-tenant', { tenant: 'acme', contextId: 'ctx-a', now: 1_010 }));
      await stores().tasks.create(newTask('other-agent', { agent: 'other', contextId: 'ctx-a', now: 1_010 }));
      await stores().tasks.create(newTask('working', { contextId: 'ctx-a', state: 'TASK_STATE_WORKING', now: 900 }));

      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await stores().tasks.list({ agent: 'tester', tenant: 'default', contextId: 'ctx-a', state: 'TASK_STATE_SUBMITTED', pageSize: 4, ...(cursor ? { cursor } : {}) });
        assert.equal(page.totalSize, 6);
        seen.push(...page.tasks.map((t) => t.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      assert.deepEqual(seen, ['l5', 'l4', 'l3', 'l2', 'l1', 'l0']);

      const all = await stores().tasks.list({ agent: 'tester', tenant: 'default', pageSize: 100 });
      assert.equal(all.totalSize, 8);
      assert.equal(all.nextCursor, '');
      const recent = await stores().tasks.list({ agent: 'tester', tenant: 'default', updatedAfter: 1_004, pageSize: 100 });
      assert.deepEqual(recent.tasks.map((t) => t.id).sort(), ['l4', 'l5', 'other-ctx']);
      const acme = await stores().tasks.list({ agent: 'tester', tenant: 'acme', pageSize: 100 });
      assert.deepEqual(acme.tasks.map((t) => t.id), ['other-tenant']);
      await assert.rejects(stores().tasks.list({ agent: 'tester', tenant: 'default', pageSize: 2, cursor: 'garbage!' }), (err: { code?: string }) => err.code === 'AM_ERR_PROTOCOL_INVALID_PARAMS');
    });

    test('findByMessage is scoped by agent and tenant', async () => {
      await stores().tasks.create(newTask('fm', { messageId: 'msg-1' }));
      assert.equal((await stores().tasks.findByMessage('tester', 'default', 'msg-1', 1_000))?.id, 'fm');
      assert.equal(await stores().tasks.findByMessage('tester', 'acme', 'msg-1', 1_000), undefined);
      assert.equal(await stores().tasks.findByMessage('other', 'default', 'msg-1', 1_000), undefined);
      assert.equal(await stores().tasks.findByMessage('tester', 'default', 'msg-2', 1_000), undefined);
    });

    test('findByMessage recognises retries for 24 hours, not after', async () => {
      const hour = 3_600_000;
      await stores().tasks.create(newTask('old', { messageId: 'msg-old', now: 10 * hour }));
      assert.equal((await stores().tasks.findByMessage('tester', 'default', 'msg-old', 10 * hour + 23 * hour))?.id, 'old');
      assert.equal(await stores().tasks.findByMessage('tester', 'default', 'msg-old', 10 * hour + 26 * hour), undefined);
    });

    test('orphans: live tasks whose owner has no heartbeat row, or is named stale with the heartbeat it still has', async () => {
      await stores().tasks.heartbeat('stale', 1_000);
      await stores().tasks.heartbeat('fresh', 1_000);
      await stores().tasks.heartbeat('fresh', 5_000);
      await stores().tasks.create(newTask('o-stale', { owner: 'stale' }));
      await stores().tasks.create(newTask('o-fresh', { owner: 'fresh' }));
      await stores().tasks.create(newTask('o-missing', { owner: 'gone' }));
      await stores().tasks.create(newTask('o-unowned', { owner: null }));
      await stores().tasks.create(newTask('o-done', { owner: 'gone', terminal: true, state: 'TASK_STATE_COMPLETED' }));
      // The caller judged 'stale' at its heartbeat of 1 000 and 'fresh' at its first one, since renewed.
      const judged = [{ id: 'stale', heartbeatAt: 1_000 }, { id: 'fresh', heartbeatAt: 1_000 }];
      const orphans = await stores().tasks.orphans(judged, 100);
      assert.deepEqual(orphans.map((t) => t.id).sort(), ['o-missing', 'o-stale'], 'a heartbeat renewed since it was judged keeps its tasks');
      assert.deepEqual((await stores().tasks.orphans([], 100)).map((t) => t.id), ['o-missing'], 'none judged stale: only owners without a row');
      assert.equal((await stores().tasks.orphans(judged, 1)).length, 1, 'limit applies');
      const [first] = await stores().tasks.orphans(judged, 1);
      assert.deepEqual((await stores().tasks.orphans(judged, 100, first!.id)).map((t) => t.id), ['o-stale'], 'pages by id past afterId');
      await stores().tasks.removeReplica('fresh');
      assert.deepEqual((await stores().tasks.orphans(judged, 100)).map((t) => t.id).sort(), ['o-fresh', 'o-missing', 'o-stale']);
    });

    test('removeReplica with a heartbeat removes the row only while it still holds that heartbeat', async () => {
      await stores().tasks.heartbeat('silent-long', 1_000);
      await stores().tasks.heartbeat('back-again', 1_000);
      await stores().tasks.heartbeat('back-again', 2_000);
      await stores().tasks.removeReplica('silent-long', 1_000);
      await stores().tasks.removeReplica('back-again', 1_000);
      const ids = (await stores().tasks.replicasSeen(0)).map((r) => r.id);
      assert.ok(!ids.includes('silent-long'), 'the silent one goes');
      assert.ok(ids.includes('back-again'), 'one that heartbeat since it was judged stays');
    });

    test('replicasSeen: the replicas heartbeating since a time, with what their last heartbeat said they host', async () => {
      await stores().tasks.heartbeat('old', 1_000, '{"a":["x"]}');
      await stores().tasks.heartbeat('hosting', 2_000, '{"b":["y"]}');
      await stores().tasks.heartbeat('hosting', 4_000);
      await stores().tasks.heartbeat('silent', 5_000);
      const seen = await stores().tasks.replicasSeen(2_000);
      assert.deepEqual(seen.sort((x, y) => x.id.localeCompare(y.id)), [
        { id: 'hosting', heartbeatAt: 4_000, hosts: '{"b":["y"]}' },
        { id: 'silent', heartbeatAt: 5_000, hosts: null },
      ], 'a heartbeat without hosts keeps those recorded; one seen before the time is left out');
    });

    test('prune deletes old terminal tasks with their events but keeps those with pending outbox rows', async () => {
      await stores().tasks.create(newTask('p-old'));
      await stores().tasks.append({ taskId: 'p-old', expectedVersion: 1, state: 'TASK_STATE_COMPLETED', snapshot: '{}', terminal: true, events: events(2, 2), now: 2_000 });
      await stores().tasks.create(newTask('p-pending'));
      await stores().push.putConfig({ taskId: 'p-pending', id: 'c1', tenant: 'default', config: '{}', protocol: '1.0', createdAt: 1_000 });
      await stores().tasks.append({ taskId: 'p-pending', expectedVersion: 1, state: 'TASK_STATE_COMPLETED', snapshot: '{}', terminal: true, events: events(2, 2), now: 2_000 });
      await stores().tasks.create(newTask('p-live'));
      await stores().tasks.create(newTask('p-new'));
      await stores().tasks.append({ taskId: 'p-new', expectedVersion: 1, state: 'TASK_STATE_COMPLETED', snapshot: '{}', terminal: true, events: events(2, 2), now: 9_000 });

      assert.equal(await stores().tasks.prune(5_000, 100), 1);
      assert.equal(await stores().tasks.get('p-old'), undefined);
      assert.deepEqual(await stores().tasks.events('p-old', 0, 10), []);
      assert.ok(await stores().tasks.get('p-pending'), 'pending deliveries keep the task');
      assert.ok(await stores().tasks.get('p-live'));
      assert.ok(await stores().tasks.get('p-new'));

      const [row] = await stores().push.claimDue({ now: 3_000, owner: 'r1', leaseMs: HELD, limit: 10 });
      await stores().push.markDelivered(row!.id, { now: 3_000, owner: 'r1' });
      assert.equal(await stores().tasks.prune(5_000, 100), 1, 'delivered: now prunable');
      assert.equal(await stores().tasks.get('p-pending'), undefined);
      assert.deepEqual(await stores().push.listConfigs('p-pending'), []);
    });

    test('push configs: put (upsert), get, list, delete', async () => {
      await stores().tasks.create(newTask('pc'));
      await stores().push.putConfig({ taskId: 'pc', id: 'b', tenant: 'default', config: '{"url":"b"}', protocol: '1.0', createdAt: 2_000 });
      await stores().push.putConfig({ taskId: 'pc', id: 'a', tenant: 'default', config: '{"url":"a"}', protocol: '0.3', createdAt: 1_000 });
      await stores().push.putConfig({ taskId: 'pc', id: 'b', tenant: 'default', config: '{"url":"b2"}', protocol: '1.0', createdAt: 2_000 });
      assert.deepEqual(await stores().push.getConfig('pc', 'b'), { taskId: 'pc', id: 'b', tenant: 'default', config: '{"url":"b2"}', protocol: '1.0', createdAt: 2_000 });
      assert.equal(await stores().push.getConfig('pc', 'zz'), undefined);
      assert.deepEqual((await stores().push.listConfigs('pc')).map((c) => [c.id, c.protocol]), [['a', '0.3'], ['b', '1.0']]);
      assert.equal(await stores().push.deleteConfig('pc', 'a'), true);
      assert.equal(await stores().push.deleteConfig('pc', 'a'), false);
      assert.deepEqual((await stores().push.listConfigs('pc')).map((c) => c.id), ['b']);
    });

    test('outbox: one row per (config, event); claimDue yields only the head per (task, config); retry/delivered/dead/stats', async () => {
      await stores().tasks.create(newTask('ob'));
      await stores().push.putConfig({ taskId: 'ob', id: 'c1', tenant: 'default', config: '{}', protocol: '1.0', createdAt: 1_000 });
      await stores().push.putConfig({ taskId: 'ob', id: 'c2', tenant: 'default', config: '{}', protocol: '1.0', createdAt: 1_000 });
      await stores().tasks.append({ taskId: 'ob', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: events(2, 4), now: 2_000 });
      assert.deepEqual(await stores().push.stats(), { pending: 6, dead: 0 });

      const first = await stores().push.claimDue({ now: 2_000, owner: 'r1', leaseMs: HELD, limit: 100 });
      assert.deepEqual(first.map((r) => [r.configId, r.seq, r.attempts]).sort(), [['c1', 2, 0], ['c2', 2, 0]]);
      assert.ok(first.every((r) => r.taskId === 'ob'));
      assert.deepEqual(await stores().push.claimDue({ now: 2_500, owner: 'r2', leaseMs: HELD, limit: 100 }), [], 'claimed heads are leased; the rows behind them wait');

      const c1 = first.find((r) => r.configId === 'c1')!;
      const c2 = first.find((r) => r.configId === 'c2')!;
      assert.equal(await stores().push.markDelivered(c1.id, { now: 2_600, owner: 'r1' }), true);
      assert.equal(await stores().push.markRetry(c2.id, { nextAttemptAt: 10_000, error: 'HTTP 503', now: 2_600, owner: 'r1' }), true);
      const second = await stores().push.claimDue({ now: 2_700, owner: 'r1', leaseMs: RUN_OUT, limit: 100 });
      assert.deepEqual(second.map((r) => [r.configId, r.seq]), [['c1', 3]], 'c2 waits for its head to be due; c1 moves on');

      const retried = await stores().push.claimDue({ now: 10_000, owner: 'r1', leaseMs: HELD, limit: 100 });
      // c1's seq 3 lease ran out unsettled, so it is claimable again.
      assert.deepEqual(retried.map((r) => [r.configId, r.seq, r.attempts]).sort(), [['c1', 3, 0], ['c2', 2, 1]]);
      assert.equal(await stores().push.markDead(retried.find((r) => r.configId === 'c2')!.id, { error: 'gave up', now: 10_000, owner: 'r1' }), true);
      assert.deepEqual(await stores().push.stats(), { pending: 4, dead: 1 });
      const after = await stores().push.claimDue({ now: 10_001, owner: 'r1', leaseMs: HELD, limit: 100 });
      assert.deepEqual(after.map((r) => [r.configId, r.seq]), [['c2', 3]], 'a dead head unblocks the next row; c1 seq 3 is still leased');

      assert.equal(await stores().push.deleteConfig('ob', 'c2'), true);
      assert.deepEqual(await stores().push.stats(), { pending: 2, dead: 1 }, 'deleting a config drops its undelivered rows');
    });

    test('outbox: a claimer whose clock runs ahead of the others takes over no row whose lease still holds', async () => {
      await stores().tasks.create(newTask('sk'));
      await stores().push.putConfig({ taskId: 'sk', id: 'hook', tenant: 'default', config: '{}', protocol: '1.0', createdAt: 1_000 });
      await stores().tasks.append({ taskId: 'sk', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: events(2, 2), now: 2_000 });
      const [held] = await stores().push.claimDue({ now: 2_000, owner: 'r1', leaseMs: HELD, limit: 10 });
      assert.ok(held);
      const ahead = 2_000 + 10 * HELD;
      assert.deepEqual(await stores().push.claimDue({ now: ahead, owner: 'r2', leaseMs: HELD, limit: 10 }), [], "r2's clock, ten leases ahead, is not the lease's");
      assert.equal(await stores().push.claimNext('sk', 'hook', { now: ahead, owner: 'r2', leaseMs: HELD }), undefined);
      assert.equal(await stores().push.markDelivered(held.id, { now: 2_100, owner: 'r1' }), true);
    });

    test('outbox: the claims and probes of a replica judged silent are released, unless its heartbeat moved on since', async () => {
      for (const id of ['s1', 's2']) {
        await stores().tasks.create(newTask(id));
        await stores().push.putConfig({ taskId: id, id: 'hook', tenant: 'default', config: '{}', protocol: '1.0', createdAt: 1_000, originKey: `origin-${id}` });
        await stores().tasks.append({ taskId: id, expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: events(2, 2), now: 2_000 });
      }
      await stores().tasks.heartbeat('gone', 1_500);
      await stores().tasks.heartbeat('back', 1_500);
      // s1's receiver is failing: 'gone' takes its one probe, which claims s1's row.
      await stores().push.markOriginDown('origin-s1', { now: 2_000, probe: false, error: 'HTTP 503', nextProbeAt: () => 2_000 });
      const probes = await stores().push.claimDue({ now: 2_000, owner: 'gone', leaseMs: HELD, limit: 1, skipOrigins: ['origin-s2'] });
      assert.deepEqual(probes.map((p) => [p.taskId, p.probe]), [['s1', true]]);
      assert.equal((await stores().push.claimNext('s2', 'hook', { now: 2_000, owner: 'back', leaseMs: HELD }))?.seq, 2);
      await stores().tasks.heartbeat('back', 2_500);
      assert.deepEqual(await stores().push.claimDue({ now: 2_600, owner: 'next', leaseMs: HELD, limit: 10 }), [], 'held: the probe and both rows');

      assert.equal(await stores().push.releaseClaimsOf([{ id: 'gone', heartbeatAt: 1_500 }, { id: 'back', heartbeatAt: 1_500 }]), 1);
      const taken = await stores().push.claimDue({ now: 2_600, owner: 'next', leaseMs: HELD, limit: 10 });
      assert.deepEqual(taken.map((p) => [p.taskId, p.probe]), [['s1', true]], "the silent replica's probe and row are taken at once");
      assert.equal(await stores().push.claimNext('s2', 'hook', { now: 2_600, owner: 'next', leaseMs: HELD }), undefined, 'a replica whose heartbeat moved on keeps its claim');
      assert.equal(await stores().push.releaseClaimsOf([]), 0);
      await stores().tasks.removeReplica('back');
      assert.equal(await stores().push.releaseClaimsOf([{ id: 'back', heartbeatAt: 1_500 }]), 1, 'a replica whose row is gone holds nothing');
    });

    test('outbox: a replica whose claim was taken over settles nothing; the row stays its new owner\'s', async () => {
      await stores().tasks.create(newTask('to'));
      await stores().push.putConfig({ taskId: 'to', id: 'hook', tenant: 'default', config: '{}', protocol: '1.0', createdAt: 1_000 });
      await stores().tasks.append({ taskId: 'to', expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: events(2, 3), now: 2_000 });
      const [stale] = await stores().push.claimDue({ now: 2_000, owner: 'r1', leaseMs: RUN_OUT, limit: 10 });
      // r1's lease ran out (a pause, a slow receiver): r2 takes the row over.
      const [taken] = await stores().push.claimDue({ now: 4_000, owner: 'r2', leaseMs: HELD, limit: 10 });
      assert.equal(taken?.id, stale!.id);

      assert.equal(await stores().push.markRetry(stale!.id, { nextAttemptAt: 4_000, error: 'HTTP 503', now: 4_100, owner: 'r1' }), false);
      assert.deepEqual(await stores().push.claimDue({ now: 4_200, owner: 'r3', leaseMs: HELD, limit: 10 }), [], "r1's late retry did not clear r2's claim: no third replica sends it");
      assert.equal(await stores().push.markDead(stale!.id, { error: 'gave up', now: 4_300, owner: 'r1' }), false);
      assert.equal(await stores().push.markDelivered(stale!.id, { now: 4_400, owner: 'r1' }), false);
      assert.deepEqual(await stores().push.stats(), { pending: 2, dead: 0 }, 'the row is still pending, r2\'s');
      assert.equal(await stores().push.claimNext('to', 'hook', { now: 4_500, owner: 'r1', leaseMs: HELD }), undefined, 'the next row waits behind the head r2 holds');

      assert.equal(await stores().push.markDelivered(taken!.id, { now: 4_600, owner: 'r2' }), true);
      assert.equal(await stores().push.markDelivered(taken!.id, { now: 4_700, owner: 'r2' }), false, 'settled once');
      assert.equal((await stores().push.claimNext('to', 'hook', { now: 4_800, owner: 'r2', leaseMs: HELD }))?.seq, 3);
    });
  });
}
