/** On PostgreSQL: `agentmesh migrate` migrates on DATABASE_MIGRATION_URL and exits; a failure is non-zero and names the database. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createDatabase } from '../../src/storage/index.js';
import { cli } from '../integration/cli/cli-harness.js';
import { DATABASE_URL, createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

describe('agentmesh migrate (postgres)', { skip: await postgresSkipReason() }, () => {
  let schema: TestSchema;
  before(async () => {
    schema = await createTestSchema();
  });
  after(() => schema.drop());

  test('applies every migration on DATABASE_MIGRATION_URL (over DATABASE_URL), then nothing on a second run', async () => {
    // DATABASE_URL names a database that does not exist: only the migration URL may be used.
    const env = { DATABASE_MIGRATION_URL: schema.url, DATABASE_URL: 'postgres://nobody:pw@127.0.0.1:5432/does_not_exist' };
    const first = await cli(['migrate', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.applied[0], '0001-runtime');
    assert.equal(report.applied.at(-1), report.latest);
    const second = await cli(['migrate'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /schema up to date at .* \(nothing to apply\)\n$/);

    const database = await createDatabase({ url: schema.url, migrate: false, poolSize: 1 });
    try {
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
      assert.deepEqual(rows.map((r) => r.name), report.applied);
    } finally {
      await database.close();
    }
  });

  test('exits 1 naming the database, never its password, when it cannot connect', async () => {
    const url = new URL(DATABASE_URL);
    url.pathname = '/agentmesh_no_such_database';
    url.password = 'hunter2-secret';
    const run = await cli(['migrate'], { env: { DATABASE_URL: url.toString() } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: migrating PostgreSQL at [^ ]+\/agentmesh_no_such_database failed: /m);
    assert.doesNotMatch(run.stderr, /hunter2/);
  });
});
