import type { PendingRow } from './pending-row.js';
import type { ChainTip } from './row-hash.js';

/** When a batch also records the chain's tip in `audit_checkpoints`. */
export interface CheckpointPolicy {
  /** After at least this many rows since the last checkpoint. */
  everyRows: number;
  /** Or when the last checkpoint is at least this old (ms). */
  everyMs: number;
  /** Checkpoint the tip now if it moved since the last checkpoint (close()). */
  force?: boolean;
}

/** What one batch write did. */
export interface ChainWriteResult {
  written: number;
  tip: ChainTip;
  checkpointed: boolean;
}

/**
 * Appends batches to the one chain. Each `write` is one transaction that
 * first takes the chain lock (so replicas sharing a database serialize),
 * then reads the tip, so every batch links to whatever committed last.
 */
export interface ChainWriter {
  /**
   * With `mark`, also records in the same transaction how far the named
   * answer journal is in the chain (ADR 0047). `fields[i]`, when given, is
   * `rows[i]`'s `rowFieldsJson`, built already (ADR 0063).
   */
  write(rows: readonly PendingRow[], policy: CheckpointPolicy, mark?: JournalMark, fields?: readonly (string | undefined)[]): Promise<ChainWriteResult>;
}

/** A gateway answer journal's highest sequence number whose entry a batch makes a row. */
export interface JournalMark {
  journal: string;
  through: number;
}

/** The newest checkpoint, as a writer reads it inside its transaction. */
export interface LastCheckpoint {
  seq: number;
  created_at: number;
}

/** Whether a batch that moved the tip to `tip` writes a checkpoint. */
export function checkpointDue(tip: ChainTip, last: LastCheckpoint | undefined, now: number, policy: CheckpointPolicy): boolean {
  if (tip.seq === 0) return false;
  if (last !== undefined && last.seq >= tip.seq) return false;
  if (policy.force === true || last === undefined) return true;
  return tip.seq - last.seq >= policy.everyRows || now - last.created_at >= policy.everyMs;
}
