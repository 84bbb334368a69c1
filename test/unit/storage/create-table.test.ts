import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import { createTable, tableMigration } from '../../../src/storage/migrations/create-table.js';

/** Kysely that compiles for a dialect and runs nothing; `executed` collects what it was asked to run. */
function compiler(dialect: 'sqlite' | 'postgres', executed: string[] = []): Kysely<unknown> {
  const sqlite = dialect === 'sqlite';
  return new Kysely<unknown>({
    log: (event) => {
      executed.push(event.query.sql);
    },
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

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`a table migration runs the statements a hand-written one did, and drops its tables last first (${dialect})`, async () => {
    const executed: string[] = [];
    const db = compiler(dialect, executed);
    const migration = tableMigration(dialect, [
      {
        name: 'runs',
        columns: ['id text primary key', 'tenant text not null', 'held bigint not null', 'done integer not null default 0'],
        checks: { runs_held_nonnegative: sql`held >= 0` },
        indexes: [
          { name: 'runs_tenant', columns: ['tenant', 'id'] },
          { name: 'runs_live', columns: ['tenant'], where: ['done', 0] },
        ],
        seed: sql`insert into runs (id, tenant, held) values ('first', '', 0)`,
        tenantOwned: true,
      },
      { name: 'steps', columns: ['run_id text not null', 'path text not null'], primaryKey: ['run_id', 'path'] },
    ]);
    await migration.up(db);
    await migration.down?.(db);
    const protect = dialect === 'postgres' ? ['alter table "runs" enable row level security', 'alter table "runs" force row level security'] : [];
    assert.deepEqual(
      executed.filter((statement) => !statement.startsWith('create policy')),
      [
        db.schema
          .createTable('runs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant', 'text', (c) => c.notNull())
          .addColumn('held', 'bigint', (c) => c.notNull())
          .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
          .addCheckConstraint('runs_held_nonnegative', sql`held >= 0`)
          .compile().sql,
        db.schema.createIndex('runs_tenant').on('runs').columns(['tenant', 'id']).compile().sql,
        db.schema.createIndex('runs_live').on('runs').column('tenant').where(sql.ref('done'), '=', 0).compile().sql,
        "insert into runs (id, tenant, held) values ('first', '', 0)",
        ...protect,
        db.schema.createTable('steps').addColumn('run_id', 'text', (c) => c.notNull()).addColumn('path', 'text', (c) => c.notNull()).addPrimaryKeyConstraint('steps_pk', ['run_id', 'path']).compile().sql,
        'drop table if exists "steps"',
        'drop table if exists "runs"',
      ],
    );
    assert.equal(executed.filter((statement) => statement.startsWith('create policy "agentmesh_tenant_rows" on "runs"')).length, dialect === 'postgres' ? 1 : 0);
  });
}
