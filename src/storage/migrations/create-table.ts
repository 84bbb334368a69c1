import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration, type RawBuilder } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';

/** The column types the migrations use; one list, so a misspelt type fails instead of reaching the database. */
const TYPES = ['text', 'integer', 'bigint', 'bigserial'] as const;
type ColumnType = (typeof TYPES)[number];
const isColumnType = (word: string): word is ColumnType => (TYPES as readonly string[]).includes(word);

/** What may follow a column's type, as SQL writes it, and the builder call each one is. */
const MODIFIERS: ReadonlyArray<readonly [string, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder]> = [
  ['not null', (c) => c.notNull()],
  ['unique', (c) => c.unique()],
  ['primary key', (c) => c.primaryKey()],
  ['autoincrement', (c) => c.autoIncrement()],
  ['default 0', (c) => c.defaultTo(0)],
  ["default ''", (c) => c.defaultTo('')],
];

/**
 * `createTable(db, 'tasks', ['id text primary key', 'agent text not null', …])`:
 * a table whose columns are written as SQL reads them, one a line, where
 * each took a builder call and a callback. A column is `name type`, then any
 * of `not null`, `unique`, `primary key`, `autoincrement`, `default 0`,
 * `default ''`; anything else throws, so a typo fails the migration's test
 * instead of making another table. The columns still go through Kysely's
 * schema builder (the modifiers' order does not change what it compiles), so
 * each dialect gets the DDL the builder calls gave it. Returns the builder,
 * for table constraints and `execute()`.
 */
export function createTable(db: Kysely<unknown>, name: string, columns: readonly string[]): CreateTableBuilder<string, string> {
  let table: CreateTableBuilder<string, string> = db.schema.createTable(name);
  for (const spec of columns) {
    const [column, type, ...rest] = spec.split(' ');
    if (column === undefined || type === undefined || !isColumnType(type)) throw new Error(`${name}: ${JSON.stringify(spec)} is not "name type [modifiers]" with a type of ${TYPES.join(', ')}`);
    const modifiers = modifiersOf(name, spec, rest.join(' '));
    table = modifiers.length === 0 ? table.addColumn(column, type) : table.addColumn(column, type, (c) => modifiers.reduce((built, modify) => modify(built), c));
  }
  return table;
}

function modifiersOf(table: string, spec: string, text: string): Array<(c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder> {
  const found: Array<(c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder> = [];
  let rest = text;
  while (rest !== '') {
    const match = MODIFIERS.find(([words]) => rest === words || rest.startsWith(`${words} `));
    if (match === undefined) throw new Error(`${table}: ${JSON.stringify(spec)} has an unknown modifier at ${JSON.stringify(rest)}`);
    found.push(match[1]);
    rest = rest.slice(match[0].length).trimStart();
  }
  return found;
}

/** The database a migration writes for. */
export type MigrationDialect = 'sqlite' | 'postgres';

/**
 * A serial key: `bigserial` on PostgreSQL; on SQLite the rowid, with
 * AUTOINCREMENT so a deleted row's number is never given out again.
 */
export function serialKey(dialect: MigrationDialect, column: string): string {
  return dialect === 'postgres' ? `${column} bigserial primary key` : `${column} integer primary key autoincrement`;
}

/** An index of a migration's table. */
export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
  /** A partial index: the rows where `column = value`. */
  readonly where?: readonly [column: string, value: number];
}

/** A table as a migration creates it, stated as data: {@link createTables} makes it, {@link dropTables} drops it. */
export interface TableSpec {
  readonly name: string;
  /** Column lines, as {@link createTable} reads them. */
  readonly columns: readonly string[];
  /** A primary key of more than one column: the constraint `<name>_pk`. */
  readonly primaryKey?: readonly string[];
  /** Check constraints, by their names. */
  readonly checks?: Readonly<Record<string, RawBuilder<unknown>>>;
  readonly indexes?: readonly IndexSpec[];
  /** The statement that writes the rows the table starts with. */
  readonly seed?: RawBuilder<unknown>;
  /** Its rows name their tenant in a `tenant` column: on PostgreSQL, the deny-by-default row security of 0009 (ADR 0014). */
  readonly tenantOwned?: boolean;
}

/** Creates the tables in order, each with its constraints, then its indexes, its first rows and its row security. */
export async function createTables(db: Kysely<unknown>, dialect: MigrationDialect, tables: readonly TableSpec[]): Promise<void> {
  for (const table of tables) {
    let created = createTable(db, table.name, table.columns);
    if (table.primaryKey !== undefined) created = created.addPrimaryKeyConstraint(`${table.name}_pk`, [...table.primaryKey]);
    for (const [name, check] of Object.entries(table.checks ?? {})) created = created.addCheckConstraint(name, check);
    await created.execute();
    await createIndexes(db, table.name, table.indexes ?? []);
    if (table.seed !== undefined) await table.seed.execute(db);
    if (table.tenantOwned === true && dialect === 'postgres') await protectTenantRows(db, table.name);
  }
}

/** Creates indexes on one table, in order. */
export async function createIndexes(db: Kysely<unknown>, table: string, indexes: readonly IndexSpec[]): Promise<void> {
  for (const index of indexes) {
    let created = db.schema.createIndex(index.name).on(table).columns([...index.columns]);
    if (index.unique === true) created = created.unique();
    if (index.where !== undefined) created = created.where(sql.ref(index.where[0]), '=', index.where[1]);
    await created.execute();
  }
}

/** Drops the tables that exist, last created first (dropping a table drops its indexes and policies). */
export async function dropTables(db: Kysely<unknown>, tables: readonly TableSpec[]): Promise<void> {
  for (const table of [...tables].reverse()) await db.schema.dropTable(table.name).ifExists().execute();
}

/** A migration that only creates tables: up creates them, down drops them. */
export function tableMigration(dialect: MigrationDialect, tables: readonly TableSpec[]): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTables(db, dialect, tables);
    },
    async down(db: Kysely<unknown>) {
      await dropTables(db, tables);
    },
  };
}

/** A migration that only adds a nullable column to a table: up adds it, down drops it. */
export function columnMigration(table: string, column: string, type: ColumnType): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable(table).addColumn(column, type).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable(table).dropColumn(column).execute();
    },
  };
}
