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
  return rowHashAt(prevHash, row.seq, row);
}

/** {@link rowHash} of `row` at `seq`. */
function rowHashAt(prevHash: string, seq: number, row: PendingRow): string {
  const fields: unknown[] = rowColumns(row);
  fields.unshift(seq);
  // One input, the same bytes as hashing the two parts in turn (prevHash is hex).
  return sha256Hex(prevHash + JSON.stringify(fields));
}

/**
 * The JSON array of a row's columns after `seq`, in the order
 * {@link rowHash} hashes them (ADR 0063): the text the answer journal keeps
 * a row as, and, with the seq put in front, the text its hash is of. Built
 * once per row when the gateway journals it, so the hash and the journal
 * line do not each serialize the row again.
 */
export function rowFieldsJson(row: PendingRow): string {
  return JSON.stringify(rowColumns(row));
}

/**
 * A row's columns after `seq`, in the order {@link rowHash} hashes them: the
 * one list both the hash and {@link rowFieldsJson} serialize, so the two
 * cannot drift apart. A fresh array, which the hash prepends the seq to.
 */
function rowColumns(row: PendingRow): unknown[] {
  return [
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
}

/** Columns in {@link rowFieldsJson}'s array. */
export const ROW_FIELDS = 19;

const NUMBER_FIELDS = new Set([0, 14, 15]);
const REQUIRED_FIELDS = new Set([0, 1, 2, 17]);

/**
 * The row whose {@link rowFieldsJson} parsed to `values`, or undefined when
 * `values` is not such an array (a journal line damaged otherwise than cut
 * short): each column a string, a safe integer or null where the table
 * allows it.
 */
export function rowOfFields(values: unknown): PendingRow | undefined {
  if (!Array.isArray(values) || values.length !== ROW_FIELDS) return undefined;
  for (let i = 0; i < ROW_FIELDS; i++) {
    const v: unknown = values[i];
    if (v === null ? REQUIRED_FIELDS.has(i) : NUMBER_FIELDS.has(i) ? !Number.isSafeInteger(v) : typeof v !== 'string') return undefined;
  }
  const v = values as [number, string, string, string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null, number | null, number | null, string | null, string, string | null];
  return {
    time: v[0],
    event_type: v[1],
    actor_kind: v[2],
    actor_id: v[3],
    target_agent: v[4],
    task_id: v[5],
    skill: v[6],
    tenant: v[7],
    user_id: v[8],
    ip: v[9],
    user_agent: v[10],
    method: v[11],
    input_hash: v[12],
    output_hash: v[13],
    duration_ms: v[14],
    milli_credits: v[15],
    error_code: v[16],
    outcome: v[17],
    detail: v[18],
  };
}

/**
 * {@link rowHash} of a row at `seq` whose {@link rowFieldsJson} is `fields`:
 * the same bytes (`[seq,` and the fields array without its `[`), since a
 * seq is a safe integer, which JSON writes as `String` does.
 */
function rowHashOfFields(prevHash: string, seq: number, fields: string): string {
  return sha256Hex(`${prevHash}[${seq},${fields.slice(1)}`);
}

/**
 * The hash of `row` placed at `seq` after a row hashed `prevHash`: over
 * `fields`, its {@link rowFieldsJson} when already built (a journaled
 * row's), else over the row's columns. What {@link chainRows} gives each
 * row, for a writer that puts the row's values where it needs them itself.
 */
export function chainedHash(prevHash: string, seq: number, row: PendingRow, fields: string | undefined): string {
  return fields === undefined || !Number.isSafeInteger(seq) ? rowHashAt(prevHash, seq, row) : rowHashOfFields(prevHash, seq, fields);
}

/**
 * Gives `rows` the seqs after `tip`, each linked to the one before.
 * `fields[i]`, when given, is `rows[i]`'s {@link rowFieldsJson}, already
 * built (a journaled row's): its hash is taken over that text.
 */
export function chainRows(tip: ChainTip, rows: readonly PendingRow[], fields?: readonly (string | undefined)[]): ChainedRow[] {
  const out: ChainedRow[] = new Array<ChainedRow>(rows.length);
  let prev = tip.hash;
  let seq = tip.seq;
  for (let i = 0; i < rows.length; i++) {
    seq += 1;
    const row = chained(rows[i]!, seq, prev);
    row.hash = chainedHash(prev, seq, row, fields?.[i]);
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
