import { sql, type Kysely } from 'kysely';
import { schemaAdvisoryLockSql, type Tables } from '../storage/index.js';
import { checkpointDue, type ChainWriteResult, type ChainWriter, type CheckpointPolicy, type JournalMark, type LastCheckpoint } from './chain-writer.js';
import type { PendingRow } from './pending-row.js';
import { GENESIS_TIP, chainRows, type ChainTip } from './row-hash.js';

/** The audit chain's lock, per schema (the registry's change log uses 7_311_001). */
export const AUDIT_CHAIN_LOCK = schemaAdvisoryLockSql(7_311_005);

/** 22 columns × 1000 rows stays well under PostgreSQL's 65,535 bind parameters. */
const ROWS_PER_INSERT = 1000;

/**
 * The PostgreSQL chain writer. Replicas of the gateway append to one chain:
 * each batch transaction takes a transaction-scoped advisory lock of its
 * schema, then reads
 * the tip. The lock is released at commit, and under READ COMMITTED the next
 * holder's first statement after the lock already sees that commit, so seqs
 * never collide and never skip.
 *
 * Four round trips a batch (ADR 0052): `begin` and the lock in one
 * multi-statement query (constants only, so pg sends it as one simple
 * query); the tip and the newest checkpoint in one read (a statement after
 * the lock's, so its snapshot sees the previous holder's commit); the rows,
 * with the checkpoint and the journal mark as data-modifying CTEs of the
 * last insert; `commit`.
 */
export class PostgresChainWriter implements ChainWriter {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async write(rows: readonly PendingRow[], policy: CheckpointPolicy, mark?: JournalMark): Promise<ChainWriteResult> {
    return this.#db.connection().execute(async (conn) => {
      try {
        await sql.raw(`begin; ${AUDIT_CHAIN_LOCK}`).execute(conn);
        const result = await appendBatch(conn, rows, policy, mark);
        await sql.raw('commit').execute(conn);
        return result;
      } catch (err) {
        await sql
          .raw('rollback')
          .execute(conn)
          .catch(() => undefined);
        throw err;
      }
    });
  }
}

/** The tip and the newest checkpoint, read in one statement (a row even on an empty chain). */
async function readTipAndCheckpoint(conn: Kysely<Tables>): Promise<{ tip: ChainTip; lastCheckpoint: LastCheckpoint | undefined }> {
  const { rows } = await sql<{ seq: number | string | null; hash: string | null; checkpoint_seq: number | string | null; checkpoint_at: number | string | null }>`
    select t.seq, t.hash, c.seq as checkpoint_seq, c.created_at as checkpoint_at
    from (select 1) as one
    left join lateral (select seq, hash from audit_log order by seq desc limit 1) as t on true
    left join lateral (select seq, created_at from audit_checkpoints order by seq desc limit 1) as c on true`.execute(conn);
  const row = rows[0];
  const tip: ChainTip = row?.seq === null || row?.seq === undefined ? GENESIS_TIP : { seq: Number(row.seq), hash: row.hash! };
  const lastCheckpoint = row?.checkpoint_seq === null || row?.checkpoint_seq === undefined ? undefined : { seq: Number(row.checkpoint_seq), created_at: Number(row.checkpoint_at) };
  return { tip, lastCheckpoint };
}

async function appendBatch(conn: Kysely<Tables>, rows: readonly PendingRow[], policy: CheckpointPolicy, mark: JournalMark | undefined): Promise<ChainWriteResult> {
  const { tip: current, lastCheckpoint } = await readTipAndCheckpoint(conn);
  const chained = chainRows(current, rows);
  const last = chained.at(-1);
  const tip: ChainTip = last === undefined ? current : { seq: last.seq, hash: last.hash };
  const now = Date.now();
  const checkpointed = checkpointDue(tip, lastCheckpoint, now, policy);
  // Every chunk but the last alone; the last carries the checkpoint and the mark (CTEs run whatever the main insert does).
  const chunks: (typeof chained)[] = [];
  for (let i = 0; i < chained.length; i += ROWS_PER_INSERT) chunks.push(chained.slice(i, i + ROWS_PER_INSERT));
  const lastChunk = chunks.pop();
  for (const chunk of chunks) await conn.insertInto('audit_log').values(chunk).execute();
  let db = conn as Kysely<Tables>;
  if (checkpointed) db = db.with('checkpoint', (q) => q.insertInto('audit_checkpoints').values({ seq: tip.seq, hash: tip.hash, created_at: now }).returning('seq')) as unknown as Kysely<Tables>;
  if (mark !== undefined) {
    // A mark only moves forward: a replayed batch never lowers it.
    db = db.with('mark', (q) =>
      q
        .insertInto('audit_journal_marks')
        .values({ journal: mark.journal, through: mark.through, updated_at: now })
        .onConflict((oc) => oc.column('journal').doUpdateSet({ through: sql`greatest(audit_journal_marks.through, excluded.through)`, updated_at: now }))
        .returning('journal'),
    ) as unknown as Kysely<Tables>;
  }
  if (lastChunk !== undefined) await db.insertInto('audit_log').values(lastChunk).execute();
  else if (checkpointed || mark !== undefined) await db.selectNoFrom(sql<number>`1`.as('one')).execute();
  return { written: chained.length, tip, checkpointed };
}
