/**
 * PostgreSQL refusing a statement for now (it ran past `statement_timeout`,
 * or waited past `lock_timeout` on a lock held elsewhere) is the database
 * being unavailable for a moment: AM_ERR_STORAGE_UNAVAILABLE, 503 and
 * retryable, as a refused connection is, not pg's raw error, which callers
 * answered 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { isAgentmeshError } from '../../src/protocol/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();

async function storageUnavailable(work: Promise<unknown>, sqlState: string): Promise<void> {
  const err = await work.then(
    () => assert.fail('the statement ran'),
    (e: unknown) => e,
  );
  assert.ok(isAgentmeshError(err), String(err));
  assert.equal(err.code, 'AM_ERR_STORAGE_UNAVAILABLE');
  assert.equal(err.statusCode, 503);
  assert.equal(err.retryable, true);
  assert.equal(err.expose, false, 'the database does not speak to callers');
  assert.match(err.message, new RegExp(`SQLSTATE ${sqlState}`));
}

describe('PostgreSQL refusing a statement for now', { skip }, () => {
  let schema: TestSchema;
  let database: Database;
  before(async () => {
    schema = await createTestSchema();
    database = await createDatabase({ url: schema.url, poolSize: 2 });
  });
  after(async () => {
    await database?.close();
    await schema?.drop();
  });

  test('a statement canceled by statement_timeout is AM_ERR_STORAGE_UNAVAILABLE', async () => {
    await storageUnavailable(
      database.db.transaction().execute(async (trx) => {
        await sql`set local statement_timeout = '50ms'`.execute(trx);
        await sql`select pg_sleep(5)`.execute(trx);
      }),
      '57014',
    );
    assert.equal((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows[0]?.one, 1, 'the pool still serves');
  });

  test('a lock not granted within lock_timeout is AM_ERR_STORAGE_UNAVAILABLE', async () => {
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(4242, 4242)');
      await storageUnavailable(
        database.db.transaction().execute(async (trx) => {
          await sql`set local lock_timeout = '50ms'`.execute(trx);
          await sql`select pg_advisory_xact_lock(4242, 4242)`.execute(trx);
        }),
        '55P03',
      );
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  test('a unique violation is still pg\'s own error, for the caller that handles it', async () => {
    await sql`create table busy_probe (id int primary key)`.execute(database.db);
    await sql`insert into busy_probe values (1)`.execute(database.db);
    const err = await sql`insert into busy_probe values (1)`.execute(database.db).then(
      () => assert.fail('inserted twice'),
      (e: unknown) => e,
    );
    assert.equal(isAgentmeshError(err), false);
    assert.equal((err as { code?: string }).code, '23505');
  });
});
