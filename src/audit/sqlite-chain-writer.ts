import type { Database } from '../storage/index.js';
import { checkpointDue, type ChainWriteResult, type ChainWriter, type CheckpointPolicy, type JournalMark, type LastCheckpoint } from './chain-writer.js';
import type { PendingRow } from './pending-row.js';
import { GENESIS_TIP, chainedHash, rowFieldsJson, type ChainTip } from './row-hash.js';

type RawSqlite = NonNullable<Database['sqlite']>;
type Statement = ReturnType<RawSqlite['prepare']>;

/**
 * A row as stored (migration 0023, ADR 0066): its columns after seq as the
 * JSON text its hash is over, beside seq, time (the time index's key) and the
 * hashes. Five values bound instead of 22: better-sqlite3 spends about 2.5 k
 * instructions on each value it binds, SQLite little on storing a text. The
 * `audit_log` view gives readers the columns back. Positional parameters:
 * better-sqlite3 binds them about twice as fast as named ones.
 */
const INSERT_ROWS = 'INSERT INTO audit_log_rows (seq, time, fields, prev_hash, hash) VALUES ';
const ROW_VALUES = '(?, ?, ?, ?, ?)';
/** Columns bound per row. */
const COLUMNS = 5;
/**
 * Most rows one INSERT writes. A batch goes in as few statements as this
 * allows: each statement run is a bind, a step and a reset through
 * better-sqlite3, and per row they cost more than the row itself
 * (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "The accounting's microseconds by step"). 64 rows bind 320 parameters, far below SQLite's
 * limit of 32,766.
 */
const ROWS_PER_INSERT = 64;

// A mark only moves forward: a replayed batch never lowers it.
const MARK_JOURNAL = `INSERT INTO audit_journal_marks (journal, through, updated_at) VALUES (?, ?, ?)
  ON CONFLICT (journal) DO UPDATE SET through = max(through, excluded.through), updated_at = excluded.updated_at`;

/**
 * The embedded chain writer: better-sqlite3 prepared statements in one
 * `BEGIN IMMEDIATE` transaction per batch. IMMEDIATE takes SQLite's write
 * lock before reading the tip, so another process on the same file (a
 * second `agentmesh serve gateway`) cannot slip a row in between.
 */
export class SqliteChainWriter implements ChainWriter {
  readonly #raw: RawSqlite;
  #commit: ((rows: readonly PendingRow[], policy: CheckpointPolicy, now: number, mark: JournalMark | undefined, fields: readonly (string | undefined)[] | undefined) => ChainWriteResult) | undefined;

  constructor(raw: RawSqlite) {
    this.#raw = raw;
  }

  async write(rows: readonly PendingRow[], policy: CheckpointPolicy, mark?: JournalMark, fields?: readonly (string | undefined)[]): Promise<ChainWriteResult> {
    // The connection is shared with Kysely, whose transactions span awaits. A
    // better-sqlite3 transaction opened inside one would become a savepoint of
    // it and vanish with its rollback: wait until the connection is free.
    // (Our transaction is synchronous, so nothing interleaves once it starts.)
    while (this.#raw.inTransaction) await new Promise<void>((resolve) => setImmediate(resolve));
    this.#commit ??= this.#prepare();
    return this.#commit(rows, policy, Date.now(), mark, fields);
  }

  #prepare(): (rows: readonly PendingRow[], policy: CheckpointPolicy, now: number, mark: JournalMark | undefined, fields: readonly (string | undefined)[] | undefined) => ChainWriteResult {
    const tipStatement = this.#raw.prepare<[], ChainTip>('SELECT seq, hash FROM audit_log_rows ORDER BY seq DESC LIMIT 1');
    const lastCheckpointStatement = this.#raw.prepare<[], LastCheckpoint>('SELECT seq, created_at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
    // One statement per row count, prepared when a batch of that size (or remainder) first comes.
    const inserts: (Statement | undefined)[] = [];
    const insertOf = (rows: number): Statement => (inserts[rows] ??= this.#raw.prepare(INSERT_ROWS + new Array<string>(rows).fill(ROW_VALUES).join(', ')));
    const values: unknown[] = [];
    const insertCheckpoint = this.#raw.prepare('INSERT INTO audit_checkpoints (seq, hash, created_at) VALUES (?, ?, ?)');
    const upsertMark = this.#raw.prepare(MARK_JOURNAL);
    const transaction = this.#raw.transaction((rows: readonly PendingRow[], policy: CheckpointPolicy, now: number, mark: JournalMark | undefined, fields: readonly (string | undefined)[] | undefined): ChainWriteResult => {
      const current = tipStatement.get() ?? GENESIS_TIP;
      // Chained as `chainRows` chains them, each row's values put straight into the statement's
      // arguments: no chained copy of each row is built only to be read back once.
      let prev = current.hash;
      let seq = current.seq;
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        const end = Math.min(start + ROWS_PER_INSERT, rows.length);
        values.length = (end - start) * COLUMNS;
        let v = 0;
        for (let i = start; i < end; i++) {
          const r = rows[i]!;
          seq += 1;
          // The text stored is the text hashed: the journal's when it built it, else built here once.
          const text = fields?.[i] ?? rowFieldsJson(r);
          const hash = chainedHash(prev, seq, r, text);
          values[v++] = seq;
          values[v++] = r.time;
          values[v++] = text;
          values[v++] = prev;
          values[v++] = hash;
          prev = hash;
        }
        // As arguments, not as one array: better-sqlite3 reads an array's values one N-API
        // element read at a time, which cost a fifth of the insert
        // (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "The accounting's microseconds by step").
        const insert = insertOf(end - start);
        Reflect.apply(insert.run, insert, values);
      }
      // Not kept past the transaction: the array would pin a batch's strings until the next one.
      values.length = 0;
      const tip: ChainTip = rows.length === 0 ? current : { seq, hash: prev };
      const lastCheckpoint = lastCheckpointStatement.get();
      const checkpointed = checkpointDue(tip, lastCheckpoint, now, policy);
      if (checkpointed) insertCheckpoint.run(tip.seq, tip.hash, now);
      if (mark !== undefined) upsertMark.run(mark.journal, mark.through, now);
      return { written: rows.length, tip, checkpointed };
    });
    return (rows, policy, now, mark, fields) => transaction.immediate(rows, policy, now, mark, fields);
  }
}
