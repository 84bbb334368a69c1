import type { PendingRow } from './pending-row.js';
import { sha256Hex } from './sha256-hex.js';

/** The `prev_hash` of seq 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** A row with its place in the chain: what the writers insert and the verifier reads back. */
export interface ChainedRow extends PendingRow {
  seq: number;
  prev_hash: string;
  hash: string;
}

/** The chain's last row, or the genesis before any row. */
export interface ChainTip {
  seq: number;
  hash: string;
}

export const GENESIS_TIP: ChainTip = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/**
 * `sha256(prev_hash || canonical(fields))`, hex. The canonical form is a JSON
 * array of the columns in a fixed order: every column is a string, an
 * integer or null, so the array is canonical by construction and reads back
 * from either database exactly as written. `seq` is inside the hash, so a
 * row moved to another position no longer matches.
 *
 * Changing this function (or the column order) invalidates every stored
 * chain: it never changes without a new hash version.
 */
export function rowHash(prevHash: string, row: PendingRow & { seq: number }): string {
  const fields = [
    row.seq,
    row.time,
    row.event_type,
    row.actor_kind,
    row.actor_id,
    row.target_agent,
    row.task_id,
    row.skill,
    row.tenant,
    row.user_id,
    row.ip,
    row.user_agent,
    row.method,
    row.input_hash,
    row.output_hash,
    row.duration_ms,
    row.milli_credits,
    row.error_code,
    row.outcome,
    row.detail,
  ];
  // One input, the same bytes as hashing the two parts in turn (prevHash is hex).
  return sha256Hex(prevHash + JSON.stringify(fields));
}

/** Gives `rows` the seqs after `tip`, each linked to the one before. */
export function chainRows(tip: ChainTip, rows: readonly PendingRow[]): ChainedRow[] {
  const out: ChainedRow[] = new Array<ChainedRow>(rows.length);
  let prev = tip.hash;
  let seq = tip.seq;
  for (let i = 0; i < rows.length; i++) {
    seq += 1;
    const row = chained(rows[i]!, seq, prev);
    row.hash = rowHash(prev, row);
    prev = row.hash;
    out[i] = row;
  }
  return out;
}

/** Spelled out rather than `{ ...row, seq }`: a spread of 22 keys costs several times more per row. */
function chained(row: PendingRow, seq: number, prevHash: string): ChainedRow {
  return {
    seq,
    time: row.time,
    event_type: row.event_type,
    actor_kind: row.actor_kind,
    actor_id: row.actor_id,
    target_agent: row.target_agent,
    task_id: row.task_id,
    skill: row.skill,
    tenant: row.tenant,
    user_id: row.user_id,
    ip: row.ip,
    user_agent: row.user_agent,
    method: row.method,
    input_hash: row.input_hash,
    output_hash: row.output_hash,
    duration_ms: row.duration_ms,
    milli_credits: row.milli_credits,
    error_code: row.error_code,
    outcome: row.outcome,
    detail: row.detail,
    prev_hash: prevHash,
    hash: '',
  };
}
