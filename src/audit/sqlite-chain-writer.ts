import type { Database } from '../storage/index.js';
import { checkpointDue, type ChainWriteResult, type ChainWriter, type CheckpointPolicy, type JournalMark, type LastCheckpoint } from './chain-writer.js';
import type { PendingRow } from './pending-row.js';
import { GENESIS_TIP, chainRows, type ChainTip } from './row-hash.js';

type RawSqlite = NonNullable<Database['sqlite']>;

// Positional parameters: better-sqlite3 binds them about twice as fast as named ones.
const INSERT_ROW = `INSERT INTO audit_log (seq, time, event_type, actor_kind, actor_id, target_agent, task_id, skill, tenant, user_id, ip, user_agent, method,
  input_hash, output_hash, duration_ms, milli_credits, error_code, outcome, detail, prev_hash, hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

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
  #commit: ((rows: readonly PendingRow[], policy: CheckpointPolicy, now: number, mark: JournalMark | undefined) => ChainWriteResult) | undefined;

  constructor(raw: RawSqlite) {
    this.#raw = raw;
  }

  async write(rows: readonly PendingRow[], policy: CheckpointPolicy, mark?: JournalMark): Promise<ChainWriteResult> {
    // The connection is shared with Kysely, whose transactions span awaits. A
    // better-sqlite3 transaction opened inside one would become a savepoint of
    // it and vanish with its rollback: wait until the connection is free.
    // (Our transaction is synchronous, so nothing interleaves once it starts.)
    while (this.#raw.inTransaction) await new Promise<void>((resolve) => setImmediate(resolve));
    this.#commit ??= this.#prepare();
    return this.#commit(rows, policy, Date.now(), mark);
  }

  #prepare(): (rows: readonly PendingRow[], policy: CheckpointPolicy, now: number, mark: JournalMark | undefined) => ChainWriteResult {
    const tipStatement = this.#raw.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const lastCheckpointStatement = this.#raw.prepare('SELECT seq, created_at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
    const insertRow = this.#raw.prepare(INSERT_ROW);
    const insertCheckpoint = this.#raw.prepare('INSERT INTO audit_checkpoints (seq, hash, created_at) VALUES (?, ?, ?)');
    const upsertMark = this.#raw.prepare(MARK_JOURNAL);
    const transaction = this.#raw.transaction((rows: readonly PendingRow[], policy: CheckpointPolicy, now: number, mark: JournalMark | undefined): ChainWriteResult => {
      const current = (tipStatement.get() as ChainTip | undefined) ?? GENESIS_TIP;
      const chained = chainRows(current, rows);
      for (const r of chained) {
        insertRow.run(r.seq, r.time, r.event_type, r.actor_kind, r.actor_id, r.target_agent, r.task_id, r.skill, r.tenant, r.user_id, r.ip, r.user_agent, r.method,
          r.input_hash, r.output_hash, r.duration_ms, r.milli_credits, r.error_code, r.outcome, r.detail, r.prev_hash, r.hash);
      }
      const last = chained.at(-1);
      const tip: ChainTip = last === undefined ? current : { seq: last.seq, hash: last.hash };
      const lastCheckpoint = lastCheckpointStatement.get() as LastCheckpoint | undefined;
      const checkpointed = checkpointDue(tip, lastCheckpoint, now, policy);
      if (checkpointed) insertCheckpoint.run(tip.seq, tip.hash, now);
      if (mark !== undefined) upsertMark.run(mark.journal, mark.through, now);
      return { written: chained.length, tip, checkpointed };
    });
    return (rows, policy, now, mark) => transaction.immediate(rows, policy, now, mark);
  }
}
