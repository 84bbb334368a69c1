/**
 * DATABASE_POOL_MODE=transaction on PostgreSQL directly (ADR 0024): the
 * cross-tenant marker is in every statement's transaction and in no
 * session. The session checks send the scoped statements on one pg client
 * and then a plain statement on the same client: a marker left on the
 * session would show there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/storage/index.js';
import { scopedQueries } from '../../src/storage/postgres/scoped-query.js';
import { openPostgresDatabase, type PostgresDatabase } from '../helpers/database-backends.js';
import { postgresSkipReason } from '../helpers/services.js';

const skip = await postgresSkipReason();

describe('the cross-tenant marker per transaction', { skip }, () => {
  let opened: PostgresDatabase;
  let database: Database;
  let client: pg.Client;
  const scoped = scopedQueries(pg);
  /** What the session of `client` holds, read with a plain statement (no marker). */
  const sessionScope = async (): Promise<{ scope: string | null; tenant: string | null }> =>
    (await client.query(`select current_setting('agentmesh.scope', true) as scope, current_setting('agentmesh.tenant', true) as tenant`)).rows[0];

  before(async () => {
    opened = await openPostgresDatabase({ poolMode: 'transaction', poolSize: 1 });
    ({ database } = opened);
    client = new pg.Client({ connectionString: opened.schema.url });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await opened?.close();
  });

  const scope = async (db: Database['db']): Promise<string> => (await sql<{ scope: string | null }>`select current_setting('agentmesh.scope', true) as scope`.execute(db)).rows[0]?.scope ?? '';

  test('a statement with parameters and one without both run under the marker, and the session keeps nothing', async () => {
    const withParams = await sql<{ scope: string; n: number }>`select current_setting('agentmesh.scope', true) as scope, ${41}::int8 + 1 as n`.execute(database.db);
    // int8 still parses to a number through the marker's extra result.
    assert.deepEqual(withParams.rows, [{ scope: 'cross-tenant', n: 42 }]);
    assert.equal(await scope(database.db), 'cross-tenant');
    const extended = await scoped(client, `select current_setting($1, true) as scope`, ['agentmesh.scope'], 5_000);
    assert.deepEqual(extended.rows, [{ scope: 'cross-tenant' }]);
    // A local setting leaves the empty string behind (ADR 0014: '' reads as unset), never the marker.
    assert.equal((await sessionScope()).scope || '', '', 'nothing on the session after a statement with parameters');
    const simple = await scoped(client, `select current_setting('agentmesh.scope', true) as scope`, [], 5_000);
    assert.deepEqual(simple.rows, [{ scope: 'cross-tenant' }]);
    assert.equal((await sessionScope()).scope, '', 'nor after one without');
  });

  test('a transaction carries the marker from its begin to its end; a tenant scope set inside stays narrowed', async () => {
    const seen = await database.db.transaction().execute(async (trx) => {
      const first = await scope(trx);
      await sql`select set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', 'tenant-a', true)`.execute(trx);
      const narrowed = await scope(trx);
      const tenant = (await sql<{ t: string }>`select current_setting('agentmesh.tenant', true) as t`.execute(trx)).rows[0]?.t;
      return { first, narrowed, tenant };
    });
    assert.deepEqual(seen, { first: 'cross-tenant', narrowed: 'tenant', tenant: 'tenant-a' });
    // The same sequence on one client, then the session after the commit.
    await scoped(client, 'begin', [], 5_000);
    assert.equal((await sessionScope()).scope, 'cross-tenant', 'the begin carried the marker into the transaction');
    await client.query('commit');
    assert.equal((await sessionScope()).scope, '', 'nothing survives the commit');
  });

  test('a failing statement fails alone, with its own error, and the connection goes on', async () => {
    await assert.rejects(sql`select ${1}::int / 0`.execute(database.db), /division by zero/);
    await assert.rejects(database.db.transaction().execute(async (trx) => sql`select 1/0`.execute(trx)), /division by zero/);
    assert.equal(await scope(database.db), 'cross-tenant');
    const rows = await database.db.selectFrom('tasks').select('id').execute();
    assert.deepEqual(rows, []);
  });
});
