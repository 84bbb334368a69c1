import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql, type CompiledQuery } from 'kysely';
import { createTable, tableMigration } from '../../../src/storage/migrations/create-table.js';
import { migrationProvider } from '../../../src/storage/migrations/index.js';

/** Kysely that compiles for a dialect and runs nothing (every query answers no rows); `executed` collects what it was asked to run. */
function compiler(dialect: 'sqlite' | 'postgres', executed: CompiledQuery[] = []): Kysely<unknown> {
  const sqlite = dialect === 'sqlite';
  return new Kysely<unknown>({
    log: (event) => {
      executed.push(event.query);
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
    const executed: CompiledQuery[] = [];
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
    const statements = executed.map((query) => query.sql);
    const protect = dialect === 'postgres' ? ['alter table "runs" enable row level security', 'alter table "runs" force row level security'] : [];
    assert.deepEqual(
      statements.filter((statement) => !statement.startsWith('create policy')),
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
    assert.equal(statements.filter((statement) => statement.startsWith('create policy "agentmesh_tenant_rows" on "runs"')).length, dialect === 'postgres' ? 1 : 0);
  });
}

/**
 * The statements every migration runs, up and down, on each dialect, as
 * recorded when it was written: a database that already ran a migration
 * never runs it again, so a migration that now ran other statements would
 * leave old and new databases with different schemas. The migrations share
 * the helpers above; this keeps a change to them from reaching a migration
 * already out there.
 */
const RECORD = join(import.meta.dirname, '..', '..', 'fixtures', 'migration-statements.txt');

/** Each migration's statements, by `<dialect> <migration> <up|down>`. */
async function compiledMigrations(): Promise<Map<string, string>> {
  const sections = new Map<string, string>();
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const executed: CompiledQuery[] = [];
    const db = compiler(dialect, executed);
    for (const [name, migration] of Object.entries(await migrationProvider(dialect).getMigrations())) {
      for (const direction of ['up', 'down'] as const) {
        executed.length = 0;
        await migration[direction]?.(db);
        sections.set(`${dialect} ${name} ${direction}`, executed.map((query) => `${query.sql} ${JSON.stringify(query.parameters)}`).join('\n'));
      }
    }
  }
  return sections;
}

function parseRecord(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const part of text.split(/^-- /m).slice(1)) {
    const newline = part.indexOf('\n');
    sections.set(part.slice(0, newline), part.slice(newline + 1).replace(/\n$/, ''));
  }
  return sections;
}

test('every recorded migration runs the statements it ran when it was written', async () => {
  const recorded = parseRecord(readFileSync(RECORD, 'utf8'));
  const compiled = await compiledMigrations();
  for (const [key, statements] of recorded) {
    assert.ok(compiled.has(key), `${key} is recorded but no longer in the migration set: a migration is never removed`);
    assert.equal(compiled.get(key), statements, `${key} runs other statements than when it was written: change the schema in a new migration instead`);
  }
  const unrecorded = [...compiled.keys()].filter((key) => !recorded.has(key));
  if (unrecorded.length > 0 && process.env['UPDATE_MIGRATION_STATEMENTS'] === '1') {
    const added = unrecorded.map((key) => `-- ${key}\n${compiled.get(key)!}\n`).join('');
    writeFileSync(RECORD, readFileSync(RECORD, 'utf8') + added);
    return;
  }
  assert.deepEqual(unrecorded, [], 'a new migration: rerun this test with UPDATE_MIGRATION_STATEMENTS=1 to record its statements');
});
