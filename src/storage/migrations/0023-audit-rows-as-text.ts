import { sql, type Kysely, type Migration } from 'kysely';
import type { MigrationDialect } from './create-table.js';

/**
 * The columns after `seq` that a SQLite audit row keeps in its `fields`
 * text, in the order of that JSON array (audit/row-hash.ts,
 * `rowFieldsJson`): index 0 is `time`.
 */
export const AUDIT_FIELD_COLUMNS = [
  'time', 'event_type', 'actor_kind', 'actor_id', 'target_agent', 'task_id', 'skill', 'tenant', 'user_id', 'ip', 'user_agent', 'method',
  'input_hash', 'output_hash', 'duration_ms', 'milli_credits', 'error_code', 'outcome', 'detail',
] as const;

/** The view's select list: `time` from its own column (the index's), the others read out of `fields`. */
const VIEW_COLUMNS = AUDIT_FIELD_COLUMNS.map((column, i) => (column === 'time' ? '"time"' : `"fields" ->> ${i} as "${column}"`)).join(', ');

/** The columns of 0005's table, for the way back. */
const OLD_COLUMNS = [
  'seq integer primary key', 'time bigint not null', 'event_type text not null', 'actor_kind text not null', 'actor_id text', 'target_agent text',
  'task_id text', 'skill text', 'tenant text', 'user_id text', 'ip text', 'user_agent text', 'method text', 'input_hash text', 'output_hash text',
  'duration_ms bigint', 'milli_credits bigint', 'error_code text', 'outcome text not null', 'detail text', 'prev_hash text not null', 'hash text not null',
];

/**
 * SQLite keeps each audit row as the text its hash is over
 * (docs/adr/0066-audit-rows-stored-as-their-hashed-text.md): the table
 * `audit_log_rows` holds `seq`, `time` (the time index's key), `fields` (the
 * JSON array of the columns after seq, as `rowFieldsJson` writes it) and the
 * two hashes: five values bound a row instead of 22, where better-sqlite3
 * spends about 2.5 k instructions on each. `audit_log` becomes a view with
 * 0005's columns, read out of `fields` by `->>`: every reader and the chain's
 * verifier read what they read before. A view and not generated columns:
 * SQLite computes every generated column of an inserted row, VIRTUAL ones
 * too, which cost back what the binding saved
 * (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "An audit row stored as its hashed text").
 *
 * The rows move in place with their hashes: `fields` is built by
 * `json_array` from the columns, whose text is what `JSON.stringify` wrote
 * for the same values, and the view reads the same values back either way.
 * PostgreSQL keeps 0005's table: its writer sends literals, not bound values.
 */
export function auditRowsAsTextMigration(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      await sql`create table "audit_log_rows" ("seq" integer primary key, "time" bigint not null, "fields" text not null, "prev_hash" text not null, "hash" text not null)`.execute(db);
      const columns = sql.raw(AUDIT_FIELD_COLUMNS.map((c) => `"${c}"`).join(', '));
      await sql`insert into "audit_log_rows" ("seq", "time", "fields", "prev_hash", "hash") select "seq", "time", json_array(${columns}), "prev_hash", "hash" from "audit_log" order by "seq"`.execute(db);
      await sql`drop table "audit_log"`.execute(db);
      await sql`create index "audit_log_rows_time" on "audit_log_rows" ("time")`.execute(db);
      await sql`create view "audit_log" as select "seq", ${sql.raw(VIEW_COLUMNS)}, "prev_hash", "hash" from "audit_log_rows"`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      await sql`create table "audit_log_columns" (${sql.raw(OLD_COLUMNS.map((c) => c.replace(/^(\w+)/, '"$1"')).join(', '))})`.execute(db);
      await sql`insert into "audit_log_columns" select * from "audit_log" order by "seq"`.execute(db);
      await sql`drop view "audit_log"`.execute(db);
      await sql`drop table "audit_log_rows"`.execute(db);
      await sql`alter table "audit_log_columns" rename to "audit_log"`.execute(db);
      await sql`create index "audit_log_time" on "audit_log" ("time")`.execute(db);
    },
  };
}
