import { sql, type Kysely } from 'kysely';
import type { Tables } from '../storage/index.js';
import { checkpointDue, type ChainWriteResult, type ChainWriter, type CheckpointPolicy, type JournalMark } from './chain-writer.js';
import type { PendingRow } from './pending-row.js';
import { GENESIS_TIP, chainRows, type ChainTip } from './row-hash.js';

/** Advisory lock of the audit chain (the registry's change log uses 7_311_001). */
const AUDIT_CHAIN_LOCK_KEY = 7_311_005;

/** 22 columns × 1000 rows stays well under PostgreSQL's 65,535 bind parameters. */
const ROWS_PER_INSERT = 1000;

/**
 * The PostgreSQL chain writer. Replicas of the gateway append to one chain:
 * each batch transaction takes a transaction-scoped advisory lock, then reads
 * the tip. The lock is released at commit, and under READ COMMITTED the next
 * holder's first statement already sees that commit, so seqs never collide
 * and never skip.
 */
export class PostgresChainWriter implements ChainWriter {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async write(rows: readonly PendingRow[], policy: CheckpointPolicy, mark?: JournalMark): Promise<ChainWriteResult> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`.execute(trx);
      const current: ChainTip = (await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst()) ?? GENESIS_TIP;
      const chained = chainRows(current, rows);
      for (let i = 0; i < chained.length; i += ROWS_PER_INSERT) {
        await trx.insertInto('audit_log').values(chained.slice(i, i + ROWS_PER_INSERT)).execute();
      }
      const last = chained.at(-1);
      const tip: ChainTip = last === undefined ? current : { seq: last.seq, hash: last.hash };
      const now = Date.now();
      const lastCheckpoint = await trx.selectFrom('audit_checkpoints').select(['seq', 'created_at']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const checkpointed = checkpointDue(tip, lastCheckpoint, now, policy);
      if (checkpointed) await trx.insertInto('audit_checkpoints').values({ seq: tip.seq, hash: tip.hash, created_at: now }).execute();
      if (mark !== undefined) {
        // A mark only moves forward: a replayed batch never lowers it.
        await trx
          .insertInto('audit_journal_marks')
          .values({ journal: mark.journal, through: mark.through, updated_at: now })
          .onConflict((oc) => oc.column('journal').doUpdateSet({ through: sql`greatest(audit_journal_marks.through, excluded.through)`, updated_at: now }))
          .execute();
      }
      return { written: chained.length, tip, checkpointed };
    });
  }
}
