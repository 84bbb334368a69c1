import { sql, type Kysely, type Migration } from 'kysely';
import { TASKS_INDEXES } from './0001-runtime.js';
import { TENANT_POLICY, protectChildRows, protectTenantRows } from './0009-row-security-deny-by-default.js';
import { createIndexes, type MigrationDialect } from './create-table.js';

/**
 * `tasks` and `task_events` partitioned by day of their UUIDv7 ids (the id's
 * first 48 bits are its Unix milliseconds), so retention drops a whole day
 * instead of deleting it row by row (ADR 0022). PostgreSQL only; SQLite keeps
 * its tables and row-by-row retention.
 *
 * A day's range is the id text from that midnight's prefix (`0193a2c0-0000`,
 * UTC) to the next's; the primary keys (`id`, `(task_id, seq)`) include the
 * partition key as PostgreSQL requires. Ids outside every range (older rows,
 * ids that are not UUIDv7) go to the DEFAULT partitions and are pruned row by
 * row as before. The rows already there are copied once: today's and the
next two days' into their partitions, the rest into DEFAULT.
 *
 * Two SECURITY DEFINER functions do the DDL as the tables' owner, so the
 * application role, which may not change the schema (deploy/postgres/roles.sql),
 * still keeps partitions ahead of time and drops old ones:
 * `agentmesh_ensure_task_partitions(first_day, days)` and
 * `agentmesh_drop_task_partitions(before_ms)`.
 */
export function timePartitionedTasksMigration(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      // The ranges compare id text: a database collation that does not order lowercase hex UUID text as bytes
      // would put rows in the wrong day. None known does; should one, stay unpartitioned (retention row by row).
      const { rows } = await sql<{ ok: boolean }>`select bool_and(a < b) as ok from (values
        ('00000000-0000', '00000000-0000-7000-8000-000000000000'), ('0193a2bf-ffff-7fff-bfff-ffffffffffff', '0193a2c0-0000'),
        ('0193a2c0-0000', '0193a2c0-0001-7000-8000-000000000000'), ('0193a09f-ffff-7000', '0193a0a0-0000'), ('9fffffff-ffff', 'a0000000-0000')) v(a, b)`.execute(db);
      await createFunctions(db);
      if (rows[0]?.ok !== true) return;

      await sql`drop policy if exists ${sql.id(TENANT_POLICY)} on task_events`.execute(db);
      await sql`drop policy if exists ${sql.id(TENANT_POLICY)} on push_outbox`.execute(db);
      await sql`alter table tasks rename to tasks_unpartitioned`.execute(db);
      await sql`alter table task_events rename to task_events_unpartitioned`.execute(db);
      await sql`create table tasks (like tasks_unpartitioned including defaults) partition by range (id)`.execute(db);
      await sql`create table task_events (like task_events_unpartitioned including defaults) partition by range (task_id)`.execute(db);
      await sql`create table tasks_default partition of tasks default`.execute(db);
      await sql`create table task_events_default partition of task_events default`.execute(db);
      await sql`select agentmesh_seal_partition('tasks_default'), agentmesh_seal_partition('task_events_default')`.execute(db);
      // Today and the next two days exist before the first write; the runtime keeps three days ahead (heartbeat).
      await sql`select agentmesh_ensure_task_partitions((now() at time zone 'UTC')::date, 3)`.execute(db);
      await sql`insert into tasks select * from tasks_unpartitioned`.execute(db);
      await sql`insert into task_events select * from task_events_unpartitioned`.execute(db);
      // Whoever could use the old tables can use the new ones (an application role of another setup than roles.sql's default privileges).
      await sql`do $$ declare g record; begin
        for g in select grantee, table_name, string_agg(privilege_type, ', ') as privileges from information_schema.role_table_grants
          where table_schema = current_schema() and table_name in ('tasks_unpartitioned', 'task_events_unpartitioned') and grantee <> current_user group by grantee, table_name loop
          execute format('grant %s on %I to %I', g.privileges, replace(g.table_name, '_unpartitioned', ''), g.grantee);
        end loop; end $$`.execute(db);
      await sql`drop table task_events_unpartitioned`.execute(db);
      await sql`drop table tasks_unpartitioned`.execute(db);

      await sql`alter table tasks add constraint tasks_pkey primary key (id)`.execute(db);
      await sql`alter table task_events add constraint task_events_pk primary key (task_id, seq)`.execute(db);
      // 0001's indexes, on every partition.
      await createIndexes(db, 'tasks', TASKS_INDEXES);

      // 0009's policies: on the new parents, and the children's again (a policy names the table it looks up by its oid).
      await protectTenantRows(db, 'tasks');
      await protectChildRows(db, 'task_events', 'task_id', 'tasks', 'id');
      await protectChildRows(db, 'push_outbox', 'task_id', 'tasks', 'id');
    },
    async down() {
      // Forward only: un-partitioning is a copy back that no release needs.
    },
  };
}

async function createFunctions(db: Kysely<unknown>): Promise<void> {
  // Row security applies to queries through the partitioned parent only: a partition is reachable by its owner alone,
  // whatever default privileges gave it when it was made (roles.sql grants the application role every new table).
  await sql`create or replace function agentmesh_seal_partition(part text) returns void language plpgsql as $$
    declare g record;
    begin
      execute format('revoke all on %I from public', part);
      for g in select distinct grantee from information_schema.role_table_grants where table_schema = current_schema() and table_name = part and grantee <> current_user loop
        execute format('revoke all on %I from %I', part, g.grantee);
      end loop;
    end $$`.execute(db);
  // The id prefix of a UTC millisecond: the first 12 hex digits of a UUIDv7 made then, as text ('0193a2c0-0000').
  await sql`create or replace function agentmesh_uuid7_prefix(ms bigint) returns text language sql immutable as $$
    select substr(h, 1, 8) || '-' || substr(h, 9, 4) from (select lpad(to_hex(ms), 12, '0') as h) x $$`.execute(db);
  await sql`create or replace function agentmesh_task_partition_name(base text, day date) returns text language sql immutable as $$
    select base || '_' || to_char(day, 'YYYYMMDD') $$`.execute(db);
  // Creates the missing day partitions of tasks and task_events for [first_day, first_day + days); returns how many days it made.
  // A day whose rows already sit in DEFAULT (written before it existed) is left there: its partition cannot be made.
  await sql`create or replace function agentmesh_ensure_task_partitions(first_day date, days int) returns int
    language plpgsql security definer set search_path from current as $$
    declare
      d date; lo text; hi text; made int := 0;
    begin
      if (select relkind from pg_class where oid = 'tasks'::regclass) <> 'p' then return 0; end if;
      for i in 0 .. days - 1 loop
        d := first_day + i;
        continue when to_regclass(agentmesh_task_partition_name('tasks', d)) is not null;
        lo := agentmesh_uuid7_prefix((extract(epoch from d::timestamp) * 1000)::bigint);
        hi := agentmesh_uuid7_prefix((extract(epoch from (d + 1)::timestamp) * 1000)::bigint);
        begin
          execute format('create table %I partition of tasks for values from (%L) to (%L)', agentmesh_task_partition_name('tasks', d), lo, hi);
          execute format('create table %I partition of task_events for values from (%L) to (%L)', agentmesh_task_partition_name('task_events', d), lo, hi);
          perform agentmesh_seal_partition(agentmesh_task_partition_name('tasks', d));
          perform agentmesh_seal_partition(agentmesh_task_partition_name('task_events', d));
          made := made + 1;
        exception when duplicate_table or check_violation then
          -- Another replica made it first, or DEFAULT already holds rows of that day.
          null;
        end;
      end loop;
      return made;
    end $$`.execute(db);
  // Drops each day partition wholly before before_ms whose tasks are all terminal, none updated since before_ms and
  // none with a pending push: the day goes in one DROP, its push configs and outbox rows with it. Returns the days
  // dropped and how many tasks each held. Only a role that may delete tasks may call it.
  await sql`create or replace function agentmesh_drop_task_partitions(before_ms bigint) returns table (dropped_day text, dropped_tasks bigint)
    language plpgsql security definer set search_path from current as $$
    declare
      p record; lo text; hi text; busy boolean; cutoff text := agentmesh_uuid7_prefix(before_ms);
    begin
      if not has_table_privilege(session_user, 'tasks', 'DELETE') then
        raise exception 'permission denied to drop task partitions' using errcode = 'insufficient_privilege';
      end if;
      for p in select c.relname as name, to_date(substr(c.relname, 7), 'YYYYMMDD') as d from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'tasks'::regclass and c.relname ~ '^tasks_[0-9]{8}$' order by c.relname loop
        lo := agentmesh_uuid7_prefix((extract(epoch from p.d::timestamp) * 1000)::bigint);
        hi := agentmesh_uuid7_prefix((extract(epoch from (p.d + 1)::timestamp) * 1000)::bigint);
        continue when hi > cutoff;
        execute format('select exists (select 1 from %I where terminal = 0 or updated_at >= $1)', p.name) into busy using before_ms;
        continue when busy;
        continue when exists (select 1 from push_outbox o where o.state = 'pending' and o.task_id >= lo and o.task_id < hi);
        execute format('select count(*) from %I', p.name) into dropped_tasks;
        delete from push_outbox o where o.task_id >= lo and o.task_id < hi;
        delete from push_configs c where c.task_id >= lo and c.task_id < hi;
        execute format('drop table %I', agentmesh_task_partition_name('task_events', p.d));
        execute format('drop table %I', p.name);
        dropped_day := to_char(p.d, 'YYYY-MM-DD');
        return next;
      end loop;
    end $$`.execute(db);
}
