/**
 * Kysely's migrator reads every schema's catalog by name: another schema
 * dropped at that moment fails the read with invalid_schema_name (3F000)
 * before any migration ran. That failure is read again; every other failure,
 * and a 3F000 raised by a migration itself, is returned as it came.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationResultSet } from 'kysely';
import { runMigratorStep } from '../../../src/storage/migrations/index.js';

const schemaGone = (): MigrationResultSet => ({ error: Object.assign(new Error('schema "t_other" does not exist'), { code: '3F000' }) });
const done: MigrationResultSet = { results: [{ migrationName: '0001-runtime', direction: 'Up', status: 'Success' }] };

function steps(...answers: MigrationResultSet[]) {
  let calls = 0;
  return { step: async () => answers[Math.min(calls++, answers.length - 1)]!, calls: () => calls };
}

test('a catalog read that lost a race with another schema’s drop is read again', async () => {
  const s = steps(schemaGone(), schemaGone(), done);
  assert.deepEqual(await runMigratorStep(s.step), done);
  assert.equal(s.calls(), 3);
});

test('our own schema missing fails the same way every time: after three reads again, the error is returned', async () => {
  const s = steps(schemaGone());
  const result = await runMigratorStep(s.step);
  assert.equal((result.error as { code: string }).code, '3F000');
  assert.equal(s.calls(), 4);
});

test('a migration that failed (results present) or any other error is not run again', async () => {
  const failedMigration: MigrationResultSet = { ...schemaGone(), results: [{ migrationName: '0016-time-partitioned-tasks', direction: 'Up', status: 'Error' }] };
  const a = steps(failedMigration, done);
  assert.equal(await runMigratorStep(a.step), failedMigration);
  assert.equal(a.calls(), 1);
  const denied: MigrationResultSet = { error: Object.assign(new Error('permission denied'), { code: '42501' }) };
  const b = steps(denied, done);
  assert.equal(await runMigratorStep(b.step), denied);
  assert.equal(b.calls(), 1);
});
