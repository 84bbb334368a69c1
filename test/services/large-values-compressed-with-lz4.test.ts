/**
 * On PostgreSQL the columns holding a task's or a run's whole JSON are compressed with lz4 (migration 0031,
 * docs/adr/0084-large-values-compressed-with-lz4.md): on the tables and every partition, on the partitions made
 * after the migration, and on a value the task store writes; the migration goes down to pglz and up again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator } from 'kysely';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { uuidv7 } from '../../src/storage/index.js';
import { newTask } from '../helpers/new-task.js';
import { openPostgresStores } from '../helpers/database-backends.js';
import { postgresSkipReason } from '../helpers/services.js';
import { startedForSuite } from '../helpers/suite-fixture.js';

const skip = await postgresSkipReason();

const COLUMNS = [
  ['tasks', 'snapshot'],
  ['task_events', 'payload'],
  ['workflow_runs', 'definition'],
  ['workflow_runs', 'inputs'],
  ['workflow_runs', 'outputs'],
  ['workflow_steps', 'output'],
] as const;

describe('large values compressed with lz4 on PostgreSQL', { skip }, () => {
  const opened = startedForSuite(() => openPostgresStores({ poolSize: 2 }));

  /** Each listed column's compression on its table and every partition: `l` lz4, `` the default (pglz). */
  const compressions = async (): Promise<Map<string, string>> => {
    const { rows } = await opened().admin.query<{ rel: string; col: string; compression: string }>(
      `select c.relname as rel, a.attname as col, a.attcompression::text as compression
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'p') and (c.relname, a.attname) in (${COLUMNS.map(([t, col]) => `('${t}', '${col}')`).join(', ')})
           or (n.nspname = current_schema() and c.relkind = 'r' and c.relispartition and a.attname in ('snapshot', 'payload') and a.attnum > 0)`,
    );
    return new Map(rows.map((r) => [`${r.rel}.${r.col}`, r.compression]));
  };

  test('every large column, on each table and each partition, is lz4; a partition made since is too', async () => {
    const before = await compressions();
    for (const [table, column] of COLUMNS) assert.equal(before.get(`${table}.${column}`), 'l', `${table}.${column}`);
    const partitions = [...before.keys()].filter((k) => /^(tasks|task_events)_/.test(k));
    assert.ok(partitions.length >= 4, `the day partitions and DEFAULT are listed: ${partitions.join(', ')}`);
    for (const key of partitions) assert.equal(before.get(key), 'l', key);
    // Days a week ahead: partitions the maintenance makes after the migration ran.
    const ahead = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await opened().admin.query('select agentmesh_ensure_task_partitions($1::date, 2)', [ahead]);
    const after = await compressions();
    const made = [...after.keys()].filter((k) => !before.has(k));
    assert.equal(made.length, 4, `two days of tasks and of events: ${made.join(', ')}`);
    for (const key of made) assert.equal(after.get(key), 'l', key);
  });

  test('a large snapshot the task store writes is stored lz4-compressed and reads back whole', async () => {
    const id = uuidv7();
    const items = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const snapshot = JSON.stringify({ id, history: [{ parts: [{ data: { items } }] }] });
    await opened().stores.tasks.create(newTask(id, { snapshot, events: [{ seq: 1, kind: 'task', payload: snapshot }], now: Date.now() }));
    const { rows } = await opened().admin.query<{ snapshot: string; payload: string }>(
      `select pg_column_compression(t.snapshot) as snapshot, pg_column_compression(e.payload) as payload from tasks t join task_events e on e.task_id = t.id where t.id = $1`,
      [id],
    );
    assert.deepEqual(rows[0], { snapshot: 'lz4', payload: 'lz4' });
    const read = await opened().stores.tasks.get(id);
    assert.equal(read?.snapshot, snapshot);
  });

  test('the migration goes down to the default compression and up to lz4 again', async () => {
    const migrator = new Migrator({ db: opened().database.db, provider: migrationProvider('postgres'), migrationTableSchema: opened().schema.name });
    const listed = await compressions();
    assert.ok(listed.size > COLUMNS.length, 'partitions listed beside the tables');
    const down = await migrator.migrateTo('0030-task-message-claims');
    assert.equal(down.error, undefined, String(down.error));
    // Every column listed, the partitions' too.
    for (const [key, compression] of await compressions()) assert.equal(compression, '', `${key} after down`);
    const up = await migrator.migrateToLatest();
    assert.equal(up.error, undefined, String(up.error));
    const again = await compressions();
    assert.deepEqual([...again.keys()].sort(), [...listed.keys()].sort());
    for (const [key, compression] of again) assert.equal(compression, 'l', `${key} after up`);
  });

  test('a transaction still open on a table makes the migration give up after 5 s instead of holding that table behind it', async () => {
    const migrator = new Migrator({ db: opened().database.db, provider: migrationProvider('postgres'), migrationTableSchema: opened().schema.name });
    const admin = opened().admin;
    // A replica's read in a transaction it has not ended: it holds the table's lightest lock.
    await admin.query('begin');
    await admin.query('select count(*) from workflow_steps');
    try {
      const started = Date.now();
      const down = await migrator.migrateTo('0030-task-message-claims');
      assert.match(String(down.error), /lock_timeout, SQLSTATE 55P03/);
      const waited = Date.now() - started;
      assert.ok(waited >= 4_500 && waited < 20_000, `gave up after ${waited} ms`);
    } finally {
      await admin.query('rollback');
    }
    // Nothing half-done: still lz4 everywhere, and with the table free the migration goes through.
    for (const [key, compression] of await compressions()) assert.equal(compression, 'l', key);
    const down = await migrator.migrateTo('0030-task-message-claims');
    assert.equal(down.error, undefined, String(down.error));
    assert.equal((await migrator.migrateToLatest()).error, undefined);
  });
});
