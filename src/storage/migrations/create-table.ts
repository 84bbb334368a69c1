import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';

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
