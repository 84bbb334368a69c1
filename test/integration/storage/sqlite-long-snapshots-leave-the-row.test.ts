/**
 * On SQLite a task's long snapshot lives in `task_snapshots`, its `tasks` row
 * holding '' (docs/adr/0081-large-task-snapshots-apart-on-sqlite.md): SQLite
 * rewrites a whole row on every UPDATE, so a long workflow's task (its
 * definition in its history) made each step's append copy the definition.
 * Pinned here: where each snapshot lives through create, appends with and
 * without one, and a short one after a long one; and migration 0027 moving
 * the long snapshots of an existing file out of their rows, and back on the
 * way down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { createDatabase, createRuntimeStores } from '../../../src/storage/index.js';
import { migrationProvider } from '../../../src/storage/migrations/index.js';
import { submittedTask } from '../../helpers/new-task.js';

const LONG = JSON.stringify({ history: 'x'.repeat(600_000) });
const SHORT = '{"status":"working"}';

function scratchFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-snapshots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'mesh.db');
}

test('a long snapshot leaves its row for task_snapshots; appends touch only the short row; a short one comes back in', async (t) => {
  const database = await createDatabase({ sqlitePath: scratchFile(t) });
  t.after(() => database.close());
  const { tasks } = createRuntimeStores(database);
  const raw = database.sqlite!;
  const inRow = (id: string) => raw.prepare<[string], { length: number }>('SELECT length(snapshot) AS length FROM tasks WHERE id = ?').get(id)?.length;
  const apart = (id: string) => raw.prepare<[string], { length: number }>('SELECT length(snapshot) AS length FROM task_snapshots WHERE task_id = ?').get(id)?.length;

  await tasks.create(submittedTask('short', { snapshot: SHORT }));
  assert.deepEqual([inRow('short'), apart('short')], [SHORT.length, undefined], 'a short snapshot stays in its row, with no second row');

  await tasks.create(submittedTask('long', { snapshot: LONG }));
  assert.deepEqual([inRow('long'), apart('long')], [0, LONG.length]);
  for (let version = 1; version <= 20; version++) {
    const snapshot = version % 5 === 0 ? LONG.replace('x', String(version)) : undefined;
    await tasks.append({ taskId: 'long', expectedVersion: version, state: 'TASK_STATE_WORKING', ...(snapshot === undefined ? {} : { snapshot }), terminal: false, events: [{ seq: version + 1, kind: 'status', payload: '{}' }], now: 2_000 + version });
    assert.equal(inRow('long'), 0, `append ${version} left the row short`);
  }
  assert.equal((await tasks.get('long'))?.snapshot, LONG.replace('x', '20'));

  await tasks.append({ taskId: 'long', expectedVersion: 21, state: 'TASK_STATE_COMPLETED', snapshot: SHORT, terminal: true, events: [{ seq: 22, kind: 'status', payload: '{}' }], now: 3_000 });
  assert.equal(inRow('long'), SHORT.length, 'a short snapshot goes back into the row');
  assert.equal((await tasks.get('long'))?.snapshot, SHORT, 'the stale long one is not read');
});

test('migration 0027 moves the long snapshots of an existing file out of their rows, and back on the way down', async (t) => {
  const file = scratchFile(t);
  const database = await createDatabase({ sqlitePath: file });
  const down = await new Migrator({ db: database.db, provider: migrationProvider('sqlite') }).migrateTo('0026-runtime-replica-hosts');
  assert.equal(down.error, undefined);
  assert.equal(down.results?.at(-1)?.migrationName, '0027-runtime-task-snapshots-apart');
  // Rows as a file of 0026 holds them: every snapshot in its row.
  const insert = database.sqlite!.prepare(
    "INSERT INTO tasks (id, agent, tenant, context_id, state, version, last_seq, snapshot, idempotent, terminal, created_at, updated_at) VALUES (?, 'tester', 'default', 'ctx', 'TASK_STATE_WORKING', 1, 1, ?, 0, 0, 1000, 1000)",
  );
  insert.run('old-long', LONG);
  insert.run('old-short', SHORT);
  await database.close();

  const migrated = await createDatabase({ sqlitePath: file });
  t.after(() => migrated.close());
  const raw = migrated.sqlite!;
  assert.deepEqual(raw.prepare('SELECT id, length(snapshot) AS length FROM tasks ORDER BY id').all(), [{ id: 'old-long', length: 0 }, { id: 'old-short', length: SHORT.length }]);
  const { tasks } = createRuntimeStores(migrated);
  assert.equal((await tasks.get('old-long'))?.snapshot, LONG);
  assert.equal((await tasks.get('old-short'))?.snapshot, SHORT);

  const back = await new Migrator({ db: migrated.db, provider: migrationProvider('sqlite') }).migrateTo('0026-runtime-replica-hosts');
  assert.equal(back.error, undefined);
  assert.deepEqual(raw.prepare('SELECT id, length(snapshot) AS length FROM tasks ORDER BY id').all(), [{ id: 'old-long', length: LONG.length }, { id: 'old-short', length: SHORT.length }]);
});
