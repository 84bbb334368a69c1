/** `agentmesh migrate` applies every role's migrations and exits; a failure is non-zero and says why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../../../src/storage/index.js';
import { cli } from './cli-harness.js';

test('migrate brings a new SQLite file to the newest migration, and a second run applies nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await cli(['migrate', '--data-dir', dir, '--json']);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout);
  assert.equal(report.applied[0], '0001-runtime');
  assert.equal(report.applied.at(-1), report.latest);
  assert.ok(report.applied.includes('0003-identity') && report.applied.includes('0008-workflows'), 'every role’s tables');

  const second = await cli(['migrate'], { env: { AGENTMESH_DATA_DIR: dir } });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`mesh\\.db: schema up to date at ${report.latest} \\(nothing to apply\\)\\n$`));

  // What a role finds: every table, nothing left to migrate.
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db'), migrate: false });
  try {
    for (const table of ['tasks', 'registry_agents', 'identity_clients', 'credit_entries', 'audit_log', 'workflow_runs'] as const) {
      await assert.doesNotReject(database.db.selectFrom(table as 'tasks').selectAll().limit(1).execute(), table);
    }
  } finally {
    await database.close();
  }
});

test('migrate exits 1 naming the database when it cannot migrate it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'mesh.db'), 'this is not a database, it is text long enough to fill a header page.'.repeat(100));
  const run = await cli(['migrate', '--data-dir', dir]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: migrating .*mesh\.db failed: .*not a database/m);
  assert.equal(run.stdout, '');
});
