/**
 * Tables of the audit component, as Kysely sees them (shared by both dialects).
 * Every column a row is hashed over is a string, an integer or null, so the
 * row reads back from SQLite and PostgreSQL exactly as it was hashed.
 *
 * `audit_log` is a table on PostgreSQL and, on SQLite, a view of the same
 * columns over `audit_log_rows` (migration 0023): read it, write the rows.
 */
export interface AuditLogTable {
  /** Position in the chain: 1, 2, 3… with no gaps, assigned by the writer under the chain lock. */
  seq: number;
  /** When the event happened, epoch milliseconds. */
  time: number;
  event_type: string;
  /** `client`, `api-key`, `external`, `agent` or `anonymous`. */
  actor_kind: string;
  actor_id: string | null;
  target_agent: string | null;
  task_id: string | null;
  skill: string | null;
  tenant: string | null;
  /** The end user on whose behalf the actor called (`user` is reserved in PostgreSQL). */
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  method: string | null;
  /** SHA-256 (hex) of the canonical JSON of the A2A input: never the content. */
  input_hash: string | null;
  output_hash: string | null;
  duration_ms: number | null;
  milli_credits: number | null;
  error_code: string | null;
  /** `ok`, `denied` or `error`. */
  outcome: string;
  /** Extra fields as JSON text, credentials redacted. */
  detail: string | null;
  /** `hash` of the row at seq - 1 (64 zeros for seq 1). */
  prev_hash: string;
  /** SHA-256 (hex) of prev_hash and the row's other columns (audit/row-hash.ts). */
  hash: string;
}

/**
 * SQLite only: the audit rows as stored (migration 0023), each as the text
 * its hash is over. The `audit_log` view reads the columns out of `fields`.
 */
export interface AuditLogRowsTable {
  seq: number;
  /** The row's time again, outside `fields`: the key of the time index (exports by time range). */
  time: number;
  /** The JSON array of the columns after seq, in the hash's order (`rowFieldsJson`, audit/row-hash.ts). */
  fields: string;
  prev_hash: string;
  hash: string;
}

/** The chain's tip recorded now and then, so that deleting the newest rows shows. */
export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  created_at: number;
}

/** Per gateway answer journal (ADR 0047): its highest sequence number whose entry is a row of the chain. */
export interface AuditJournalMarksTable {
  journal: string;
  through: number;
  updated_at: number;
}

export interface AuditTables {
  audit_log: AuditLogTable;
  audit_log_rows: AuditLogRowsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_journal_marks: AuditJournalMarksTable;
}
