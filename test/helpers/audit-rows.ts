import type BetterSqlite3 from 'better-sqlite3';
import { rowFieldsJson, type PendingRow } from '../../src/audit/index.js';
import { AUDIT_FIELD_COLUMNS } from '../../src/storage/migrations/0023-audit-rows-as-text.js';

/**
 * SQL that changes one column of a stored SQLite audit row, the way someone
 * with the file would: SQLite keeps a row's columns in its `fields` text
 * (migration 0023) and `audit_log` is a view of them. Two parameters: the
 * value, then the seq. `time` is kept twice (the index's copy), so it is not
 * offered here.
 */
export function setAuditColumnSql(column: Exclude<(typeof AUDIT_FIELD_COLUMNS)[number], 'time'>): string {
  return `UPDATE audit_log_rows SET fields = json_set(fields, '$[${AUDIT_FIELD_COLUMNS.indexOf(column)}]', ?) WHERE seq = ?`;
}

/** A stored row's columns, chain included, as `SELECT * FROM audit_log` gives them. */
export type StoredAuditRow = PendingRow & { seq: number; prev_hash: string; hash: string };

/** Overwrites the stored SQLite row at `row.seq` with `row`'s columns and hashes. */
export function writeAuditRow(raw: BetterSqlite3.Database, row: StoredAuditRow): void {
  raw.prepare('UPDATE audit_log_rows SET time = ?, fields = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(row.time, rowFieldsJson(row), row.prev_hash, row.hash, row.seq);
}

/** Inserts `row` as the SQLite writer stores it. */
export function insertAuditRow(raw: BetterSqlite3.Database, row: StoredAuditRow): void {
  raw.prepare('INSERT INTO audit_log_rows (seq, time, fields, prev_hash, hash) VALUES (?, ?, ?, ?, ?)').run(row.seq, row.time, rowFieldsJson(row), row.prev_hash, row.hash);
}
