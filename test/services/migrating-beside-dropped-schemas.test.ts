/**
 * On PostgreSQL: migrating reads the catalog of its own schema only, so
 * another schema on the server (another test file's, another tenant's)
 * dropped meanwhile cannot fail it. Kysely's migrator asks the dialect's
 * introspector which tables exist. Kysely's own listing took in every schema
 * and resolved each of their tables and columns again by name, as the catalog
 * is at that instant rather than as of the query's snapshot: a schema dropped
 * while the listing ran failed it with "schema … does not exist", "relation …
 * does not exist" or "column … of relation … does not exist", and with it a
 * migration that had nothing to do with that schema. Here a REPEATABLE READ
 * transaction keeps a snapshot from before the drop, which is what a listing
 * does for its own duration, so the window is open every time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type TableMetadata } from 'kysely';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { openPostgresDatabase, type PostgresDatabase } from '../helpers/database-backends.js';
import { adminQuery, createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();

/** Another schema holding what every migrated one does: Kysely's bookkeeping table and a serial key. */
async function anotherSchema(): Promise<TestSchema> {
  const other = await createTestSchema();
  await adminQuery(`create table ${other.name}.kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null);
    create table ${other.name}.outbox (id bigserial primary key, note text)`);
  return other;
}

describe('migrating on PostgreSQL beside other schemas that are dropped', { skip }, () => {
  let own: PostgresDatabase;
  before(async () => {
    own = await openPostgresDatabase({ poolSize: 2 });
  });
  after(() => own?.close());

  const losses: Array<[what: string, ddl: (schema: string) => string]> = [
    ['the whole schema', (s) => `drop schema ${s} cascade`],
    ['one of its tables', (s) => `drop table ${s}.outbox`],
    // The catalog state of the failure seen in CI: the schema and table still found by name, the column not.
    ['a column of its kysely_migration', (s) => `alter table ${s}.kysely_migration drop column timestamp`],
  ];
  for (const [what, ddl] of losses) {
    test(`the migrator finds its bookkeeping and every migration applied while another schema loses ${what}`, async () => {
      const other = await anotherSchema();
      try {
        await own.database.db.connection().execute(async (conn) => {
          await sql`begin isolation level repeatable read`.execute(conn);
          try {
            // The snapshot: the other schema whole in it.
            await sql`select 1`.execute(conn);
            await adminQuery(ddl(other.name));
            const migrations = await new Migrator({ db: conn, provider: migrationProvider('postgres'), migrationTableSchema: own.schema.name }).getMigrations();
            assert.ok(migrations.length > 0);
            assert.deepEqual(migrations.filter((m) => m.executedAt === undefined).map((m) => m.name), [], 'every migration is recorded as applied');
          } finally {
            await sql`rollback`.execute(conn);
          }
        });
      } finally {
        await other.drop();
      }
    });
  }

  test("the tables listed are our schema's, described as Kysely describes them: types, nullability, defaults, serial and identity keys, comments, views", async () => {
    const other = await anotherSchema();
    try {
      await adminQuery(`create table ${own.schema.name}.extras (id int generated always as identity primary key, label text not null default 'x', note text);
        comment on column ${own.schema.name}.extras.label is 'what it is called';
        create view ${own.schema.name}.extras_view as select id, label from ${own.schema.name}.extras`);
      const listed = await own.database.db.introspection.getTables();
      assert.deepEqual(new Set(listed.map((t) => t.schema)), new Set([own.schema.name]));
      const byName = new Map(listed.map((t) => [t.name, t]));
      assert.ok(!byName.has('kysely_migration') && !byName.has('kysely_migration_lock'), "Kysely's own tables only when asked for");
      const column = (name: string, dataType: string, more: Partial<TableMetadata['columns'][number]> = {}) => ({
        name, dataType, dataTypeSchema: 'pg_catalog', isNullable: false, isAutoIncrementing: false, hasDefaultValue: false, comment: undefined, ...more,
      });
      assert.deepEqual(byName.get('extras'), {
        name: 'extras', schema: own.schema.name, isView: false,
        columns: [
          column('id', 'int4', { isAutoIncrementing: true }),
          column('label', 'text', { hasDefaultValue: true, comment: 'what it is called' }),
          column('note', 'text', { isNullable: true }),
        ],
      });
      assert.deepEqual(byName.get('extras_view'), {
        name: 'extras_view', schema: own.schema.name, isView: true,
        columns: [column('id', 'int4', { isNullable: true }), column('label', 'text', { isNullable: true })],
      });
      // A bigserial key (the outbox's), and the partitioned parent of migration 0016.
      assert.deepEqual(byName.get('push_outbox')?.columns[0], column('id', 'int8', { isAutoIncrementing: true, hasDefaultValue: true }));
      assert.equal(byName.get('tasks')?.isView, false);
      const withKysely = await own.database.db.introspection.getTables({ withInternalKyselyTables: true });
      assert.deepEqual(withKysely.find((t) => t.name === 'kysely_migration')?.columns.map((c) => c.name), ['name', 'timestamp']);
    } finally {
      await adminQuery(`drop view ${own.schema.name}.extras_view; drop table ${own.schema.name}.extras`);
      await other.drop();
    }
  });
});
