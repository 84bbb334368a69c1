import { sql, type Kysely, type Migration } from 'kysely';
import type { MigrationDialect } from './create-table.js';

/**
 * SQLite only: `task_snapshots` holds the snapshots too big to live in their
 * `tasks` row (docs/adr/0081-large-task-snapshots-apart-on-sqlite.md). SQLite
 * rewrites a whole row on every UPDATE, overflow pages included: a workflow
 * task whose snapshot holds a 10,000-step definition (~600 KB) cost ~230 µs
 * per append against ~26 µs for a small row, so a long run's step cost grew
 * with its length. A row whose `snapshot` is '' has its snapshot here.
 * PostgreSQL keeps a large value out of line already (TOAST) and reuses it
 * when an UPDATE leaves it unchanged: nothing to do there.
 */
export function runtimeTaskSnapshotsApartMigration(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      await db.schema.createTable('task_snapshots').addColumn('task_id', 'text', (c) => c.primaryKey()).addColumn('snapshot', 'text', (c) => c.notNull()).execute();
      await sql`insert into task_snapshots (task_id, snapshot) select id, snapshot from tasks where length(snapshot) >= ${SNAPSHOT_INLINE_LIMIT}`.execute(db);
      await sql`update tasks set snapshot = '' where length(snapshot) >= ${SNAPSHOT_INLINE_LIMIT}`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      await sql`update tasks set snapshot = (select s.snapshot from task_snapshots s where s.task_id = tasks.id) where snapshot = ''`.execute(db);
      await db.schema.dropTable('task_snapshots').execute();
    },
  };
}

/** Snapshots this long or longer leave their rows (the store's limit when this migration was written; the store reads either place). */
const SNAPSHOT_INLINE_LIMIT = 2_048;
