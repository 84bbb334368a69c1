/**
 * Time-partitioned tasks on PostgreSQL (migration 0016, ADR 0022): tasks and
 * their events live in one partition per UTC day of their UUIDv7 id, and
 * retention drops a finished day whole — no row of it is deleted one by one —
 * while a day with a live task or a pending push stays, and rows outside the
 * day partitions are still pruned row by row.
 */
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Kysely, Migrator, sql } from 'kysely';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { OwnSchemaPostgresDialect } from '../../src/storage/postgres/own-schema-dialect.js';
import { uuidv7, type NewTask } from '../../src/storage/index.js';
import { newTask } from '../helpers/new-task.js';
import { openPostgresStores } from '../helpers/database-backends.js';
import { createTestSchema, postgresSkipReason } from '../helpers/services.js';
import { startedForSuite } from '../helpers/suite-fixture.js';

const skip = await postgresSkipReason();
const DAY = 86_400_000;

/** A UUIDv7 made at `ms`. */
function idAt(ms: number): string {
  const h = ms.toString(16).padStart(12, '0');
  const r = randomBytes(8).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${r.slice(0, 3)}-8${r.slice(3, 6)}-${r.slice(6, 16)}${h.slice(0, 2)}`;
}

/** A finished task of tenant `acme` written at `now`, with its first event. */
const task = (id: string, now: number, extra: Partial<NewTask> = {}): NewTask =>
  newTask(id, { agent: 'tester', tenant: 'acme', contextId: 'ctx', skill: 'echo', messageId: id, snapshot: '{}', events: [{ seq: 1, kind: 'task', payload: '{}' }], now, ...extra });

describe('time-partitioned tasks: retention by whole days', { skip }, () => {
  const opened = startedForSuite(() => openPostgresStores({ poolSize: 4 }));

  const partitions = async (parent: string) =>
    (await opened().admin.query<{ name: string }>('select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass order by 1', [parent])).rows.map((r) => r.name);

  test('a migrated database has today and the next days ready, ids of a day land in its partition', async () => {
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    assert.ok((await partitions('tasks')).includes(`tasks_${today}`));
    assert.ok((await partitions('task_events')).includes(`task_events_${today}`));
    const id = uuidv7();
    await opened().stores.tasks.create(task(id, Date.now()));
    const { rows } = await opened().admin.query<{ part: string }>('select tableoid::regclass::text as part from tasks where id = $1', [id]);
    assert.equal(rows[0]!.part, `tasks_${today}`);
  });

  test('retention drops a finished day whole (no row deleted one by one); a day with a live task or a pending push stays', async () => {
    const now = Date.now();
    const midnight = now - (now % DAY);
    const dayStart = (daysAgo: number) => midnight - daysAgo * DAY + 3_600_000;
    const [done, live, pushing] = [dayStart(5), dayStart(4), dayStart(3)];
    await opened().admin.query("select agentmesh_ensure_task_partitions(($1::date), 3)", [new Date(midnight - 5 * DAY).toISOString().slice(0, 10)]);
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

    const doneIds = Array.from({ length: 20 }, (_, i) => idAt(done + i));
    await Promise.all(doneIds.map((id) => opened().stores.tasks.create(task(id, done))));
    await opened().stores.push.putConfig({ taskId: doneIds[0]!, id: 'c1', tenant: 'acme', config: '{}', protocol: '1.0', createdAt: done });
    await opened().stores.tasks.create(task(idAt(live), live, { state: 'TASK_STATE_WORKING', terminal: false, owner: 'r1' }));
    const pushed = idAt(pushing);
    await opened().stores.push.putConfig({ taskId: pushed, id: 'c1', tenant: 'acme', config: '{}', protocol: '1.0', createdAt: pushing });
    await opened().stores.tasks.create(task(pushed, pushing, { pushConfigured: true }));
    // Outside every day partition: pruned row by row, as before partitioning.
    await opened().stores.tasks.create(task('not-a-uuid', done));
    for (const ms of [done, live, pushing]) assert.equal((await opened().admin.query('select 1 from tasks where tableoid = $1::regclass', [`tasks_${dayOf(ms)}`])).rowCount! > 0, true);

    // Every row deleted from tasks or task_events, one by one, is counted here.
    await opened().admin.query('create table deleted_rows (tab text)');
    await opened().admin.query("create function count_delete() returns trigger language plpgsql as $$ begin insert into deleted_rows values (tg_table_name); return old; end $$");
    await opened().admin.query('create trigger count_delete after delete on tasks for each row execute function count_delete()');
    await opened().admin.query('create trigger count_delete after delete on task_events for each row execute function count_delete()');

    const pruned = await opened().stores.tasks.prune(now - DAY, 1000);

    assert.equal(pruned, 21, "the finished day's 20 tasks and the one outside the partitions");
    const left = await partitions('tasks');
    assert.ok(!left.includes(`tasks_${dayOf(done)}`), 'the finished day is gone');
    assert.ok(!(await partitions('task_events')).includes(`task_events_${dayOf(done)}`), 'its events with it');
    assert.ok(left.includes(`tasks_${dayOf(live)}`), 'a day with a live task stays');
    assert.ok(left.includes(`tasks_${dayOf(pushing)}`), 'a day with a pending push stays');
    const { rows: deleted } = await opened().admin.query<{ tab: string; n: number }>('select tab, count(*)::int as n from deleted_rows group by tab order by tab');
    assert.deepEqual(deleted, [
      { tab: 'task_events_default', n: 1 },
      { tab: 'tasks_default', n: 1 },
    ], 'only the task outside the day partitions was deleted row by row');
    assert.equal(await opened().stores.tasks.get(doneIds[3]!), undefined);
    assert.equal((await opened().stores.push.listConfigs(doneIds[0]!)).length, 0, "the dropped day's push configs went too");
    assert.ok(await opened().stores.tasks.get(pushed));
  });
});

describe('time-partitioned tasks: upgrading a database that holds tasks', { skip }, () => {
  test("rows written before migration 0016 survive it (older days in DEFAULT), with their events, push rows and their policies", async () => {
    const schema = await createTestSchema();
    // agentmesh's own dialect: the migrator's catalog reads see this schema only, whatever other test files drop meanwhile.
    const db = new Kysely<unknown>({ dialect: new OwnSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, max: 1 }) }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider('postgres'), migrationTableSchema: schema.name });
      assert.equal((await migrator.migrateTo('0014-gateway-bridged-runs')).error, undefined);
      await sql`select set_config('agentmesh.scope', 'cross-tenant', false)`.execute(db);
      // Ten days old: no day partition covers it (the migration makes today's and the next two).
      const id = idAt(Date.now() - 10 * DAY);
      await sql`insert into tasks (id, agent, tenant, context_id, state, version, last_seq, snapshot, terminal, created_at, updated_at)
        values (${id}, 'tester', 'acme', 'ctx', 'TASK_STATE_WORKING', 1, 1, '{}', 0, 1, 1)`.execute(db);
      await sql`insert into task_events (task_id, seq, last_seq, kind, payload, created_at) values (${id}, 1, 1, 'task', '{}', 1)`.execute(db);
      await sql`insert into push_configs (task_id, id, tenant, config, protocol, created_at) values (${id}, 'c1', 'acme', '{}', '1.0', 1)`.execute(db);
      await sql`insert into push_outbox (task_id, config_id, seq, state, next_attempt_at, created_at, updated_at) values (${id}, 'c1', 1, 'pending', 1, 1, 1)`.execute(db);

      assert.equal((await migrator.migrateToLatest()).error, undefined);

      const { rows } = await sql<{ part: string; events: number }>`select t.tableoid::regclass::text as part, (select count(*)::int from task_events e where e.task_id = t.id) as events from tasks t where t.id = ${id}`.execute(db);
      assert.deepEqual(rows, [{ part: 'tasks_default', events: 1 }]);
      // The children's policies were re-created on the partitioned tasks: a policy names its lookup table by oid.
      const { rows: policies } = await sql<{ tab: string; parent: string }>`select c.relname as tab, pg_get_expr(p.polqual, p.polrelid) as parent from pg_policy p join pg_class c on c.oid = p.polrelid
        where c.relnamespace = ${schema.name}::regnamespace and c.relname in ('task_events', 'push_outbox') order by 1`.execute(db);
      assert.equal(policies.length, 2);
      for (const p of policies) assert.match(p.parent, /FROM tasks p/, `${p.tab}'s policy looks up tasks, not the table it replaced`);
    } finally {
      await db.destroy();
      await schema.drop();
    }
  });
});
