import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { createTable } from '../../../src/storage/migrations/create-table.js';

/** Kysely that compiles for a dialect and runs nothing. */
function compiler(dialect: 'sqlite' | 'postgres'): Kysely<unknown> {
  const sqlite = dialect === 'sqlite';
  return new Kysely<unknown>({
    dialect: {
      createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`column lines compile to the DDL of the builder calls they stand for (${dialect})`, () => {
    const db = compiler(dialect);
    const lines = createTable(db, 'things', ['id text primary key', "tenant text not null default ''", 'tries integer not null default 0', 'code text not null unique', 'note text', 'at bigint not null']);
    const calls = db.schema
      .createTable('things')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('note', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull());
    assert.equal(lines.compile().sql, calls.compile().sql);
  });
}

test('a serial key compiles as the dialect writes it', () => {
  const db = compiler('sqlite');
  assert.equal(createTable(db, 'log', ['id integer primary key autoincrement']).compile().sql, 'create table "log" ("id" integer primary key autoincrement)');
  assert.equal(createTable(compiler('postgres'), 'log', ['id bigserial primary key']).compile().sql, 'create table "log" ("id" bigserial primary key)');
});

test('a misspelt modifier or type fails the migration instead of making another table', () => {
  const db = compiler('sqlite');
  assert.throws(() => createTable(db, 'things', ['id text primary key', 'name text not nul']), /things: "name text not nul" has an unknown modifier at "not nul"/);
  assert.throws(() => createTable(db, 'things', ['id txt primary key']), /things: "id txt primary key" is not "name type \[modifiers\]"/);
  assert.throws(() => createTable(db, 'things', ['id']), /is not "name type/);
});
