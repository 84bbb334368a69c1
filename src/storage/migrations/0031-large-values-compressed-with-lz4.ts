import { sql, type Kysely, type Migration } from 'kysely';

/**
 * PostgreSQL: the columns that hold a task's or a run's whole JSON (a map's
 * items, a workflow's definition, a long history) are compressed with lz4
 * instead of pglz (docs/adr/0084-large-values-compressed-with-lz4.md). A
 * 100,000-item map's input (~590 KB) is written several times in its run
 * (the run's inputs, the task's message event, its snapshots); pglz spends
 * ~11 ms of the server's CPU on each, lz4 under 1 (for 20% more bytes), and
 * on a fleet sharing its cores with the agents that was a tenth of the map's
 * throughput. Values already stored keep the compression they were written
 * with (PostgreSQL reads both); new partitions take the parent's setting. A
 * server without lz4 (built without it, or older than 14) keeps pglz.
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

/** The large JSON columns, on each table and every partition of it. */
async function setCompression(db: Kysely<unknown>, method: 'lz4' | 'default'): Promise<void> {
  await sql`do $$
    declare
      c record;
      part regclass;
    begin
      -- Refused where the server has no lz4: that server keeps pglz, as before (the warning reaches its log).
      begin
        perform set_config('default_toast_compression', 'lz4', true);
      exception when others then
        raise warning 'agentmesh: this PostgreSQL has no lz4 compression; large values stay compressed with pglz';
        return;
      end;
      for c in select * from (values
          ('tasks', 'snapshot'), ('task_events', 'payload'),
          ('workflow_runs', 'definition'), ('workflow_runs', 'inputs'), ('workflow_runs', 'outputs'),
          ('workflow_steps', 'output')) as t(tbl, col) loop
        -- The table, and its partitions when it has some (a plain table has no partition tree).
        for part in select c.tbl::regclass union select relid from pg_partition_tree(c.tbl::regclass) loop
          execute format('alter table %s alter column %I set compression ${sql.raw(method)}', part, c.col);
        end loop;
      end loop;
    end $$`.execute(db);
}
