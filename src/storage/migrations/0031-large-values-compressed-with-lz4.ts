import { sql, type Kysely, type Migration } from 'kysely';

/**
 * PostgreSQL: the columns that hold a task's or a run's whole JSON (a map's
 * items, a workflow's definition, a long history) are compressed with lz4
 * instead of pglz (docs/adr/0084-large-values-compressed-with-lz4.md). A
 * 100,000-item map's input (~590 KB) is written several times in its run
 * (the run's inputs, the task's message event, its snapshots); pglz spends
 * ~11 ms of the server's CPU on each, lz4 1.4 (for 23% more bytes): on a
 * fleet sharing its cores with the agents, the map went from 0.85x to 0.90x
 * of a plain loop. Values already stored keep the compression they were
 * written with (PostgreSQL reads both); new partitions take the parent's
 * setting. A server without lz4 (built without it, or older than 14) keeps
 * pglz, with a warning in its log.
 */
export function largeValuesCompressedWithLz4Migration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') await setCompression(db, 'lz4');
    },
    async down(db: Kysely<unknown>) {
      if (dialect === 'postgres') await setCompression(db, 'default');
    },
  };
}

/**
 * The large JSON columns, on each table and every partition of it. Setting a column's compression
 * locks its table exclusively (a catalog change, no rewrite): the four tables are locked first, in
 * one order, waiting at most 5 s for the transactions of replicas still serving, so the migration
 * fails and can be run again rather than hold their traffic behind it or deadlock with a write.
 */
async function setCompression(db: Kysely<unknown>, method: 'lz4' | 'default'): Promise<void> {
  await sql`do $$
    declare
      c record;
      part regclass;
      lock_wait text := current_setting('lock_timeout');
    begin
      -- Read, not tried: the server's build and version name the methods it has (none before 14).
      if not exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
        raise warning 'agentmesh: this PostgreSQL (%) has no lz4 compression; large values stay compressed with pglz', version();
        return;
      end if;
      perform set_config('lock_timeout', '5s', true);
      lock table tasks, task_events, workflow_runs, workflow_steps in access exclusive mode;
      perform set_config('lock_timeout', lock_wait, true);
      for c in select * from (values
          ('tasks', 'snapshot'), ('task_events', 'payload'),
          ('workflow_runs', 'definition'), ('workflow_runs', 'inputs'), ('workflow_runs', 'outputs'),
          ('workflow_steps', 'output')) as t(tbl, col) loop
        -- The table, then its partitions when it has some (a plain table has no partition tree).
        for part in select c.tbl::regclass union all select relid from pg_partition_tree(c.tbl::regclass) where level > 0 loop
          execute format('alter table %s alter column %I set compression ${sql.raw(method)}', part, c.col);
        end loop;
      end loop;
    end $$`.execute(db);
}
