import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type ColumnMetadata,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

/**
 * Kysely's PostgreSQL dialect whose introspection lists the tables of the
 * session's own schema (`current_schema()`) only. Kysely's migrator asks it
 * whether its bookkeeping tables exist, before every run.
 *
 * Kysely's own listing reads every schema on the server and, for each column,
 * calls `has_schema_privilege()` and `pg_get_serial_sequence()` with the
 * schema, table and column names. Those functions look the names up in the
 * catalog as it is at that instant, not as of the query's snapshot, so a
 * schema dropped while the listing runs (another tenant's, another test
 * file's) fails it with "schema … does not exist", "relation … does not
 * exist" or "column … of relation … does not exist", and a migration of ours
 * with it. This listing reads catalog rows only, joined by oid under one
 * snapshot, and of our schema only: nothing another schema does can fail it.
 */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

interface ColumnRow {
  table: string;
  is_view: boolean;
  schema: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  comment: string | null;
  auto_incrementing: boolean;
}

class OwnSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  /** Every schema's name: a plain read of pg_namespace, which a concurrent drop cannot fail. */
  getSchemas(): Promise<SchemaMetadata[]> {
    return new PostgresIntrospector(this.#db).getSchemas();
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const internal = options.withInternalKyselyTables ? sql`` : sql`and c.relname not in (${DEFAULT_MIGRATION_TABLE}, ${DEFAULT_MIGRATION_LOCK_TABLE})`;
    // Auto-incrementing as pg_get_serial_sequence() decides it, without naming the table: a sequence the
    // column owns (serial) or that makes its values (identity).
    const { rows } = await sql<ColumnRow>`
      select c.relname as "table", c.relkind = 'v' as is_view, ns.nspname as "schema", a.attname as "column",
        typ.typname as "type", tns.nspname as type_schema, a.attnotnull as not_null, a.atthasdef as has_default,
        col_description(c.oid, a.attnum) as "comment",
        exists (select 1 from pg_catalog.pg_depend d join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
          where d.classid = 'pg_catalog.pg_class'::regclass::oid and d.objsubid = 0
            and d.refclassid = 'pg_catalog.pg_class'::regclass::oid and d.refobjid = c.oid and d.refobjsubid = a.attnum
            and d.deptype in ('a', 'i')) as auto_incrementing
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid
      join pg_catalog.pg_type typ on typ.oid = a.atttypid
      join pg_catalog.pg_namespace tns on tns.oid = typ.typnamespace
      where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p') and a.attnum > 0 and not a.attisdropped ${internal}
      order by c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, { name: string; schema: string; isView: boolean; columns: ColumnMetadata[] }>();
    for (const row of rows) {
      let table = tables.get(row.table);
      if (table === undefined) {
        table = { name: row.table, schema: row.schema, isView: row.is_view, columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        isAutoIncrementing: row.auto_incrementing,
        hasDefaultValue: row.has_default,
        comment: row.comment ?? undefined,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
