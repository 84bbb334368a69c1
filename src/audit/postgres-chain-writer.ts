import { sql, type CompiledQuery, type Kysely, type PostgresPool, type QueryCreator } from 'kysely';
import { inPoolClient, intLiteral, schemaAdvisoryLockSql, statementRows, textLiteral, UnwritableLiteral, type Tables } from '../storage/index.js';
import { checkpointDue, type ChainWriteResult, type ChainWriter, type CheckpointPolicy, type JournalMark, type LastCheckpoint } from './chain-writer.js';
import type { PendingRow } from './pending-row.js';
import { GENESIS_TIP, chainRows, type ChainTip, type ChainedRow } from './row-hash.js';

/** The audit chain's lock, per schema (the registry's change log uses 7_311_001). */
export const AUDIT_CHAIN_LOCK = schemaAdvisoryLockSql(7_311_005);

/** 22 columns × 1000 rows stays well under PostgreSQL's 65,535 bind parameters (and bounds one statement's text). */
const ROWS_PER_INSERT = 1000;

/** The tip and the newest checkpoint, read in one statement (a row even on an empty chain). */
const TIP_AND_CHECKPOINT = `select t.seq, t.hash, c.seq as checkpoint_seq, c.created_at as checkpoint_at
    from (select 1) as one
    left join lateral (select seq, hash from audit_log order by seq desc limit 1) as t on true
    left join lateral (select seq, created_at from audit_checkpoints order by seq desc limit 1) as c on true`;

const COLUMNS = 'seq, time, event_type, actor_kind, actor_id, target_agent, task_id, skill, tenant, user_id, ip, user_agent, method, input_hash, output_hash, duration_ms, milli_credits, error_code, outcome, detail, prev_hash, hash';

/**
 * The PostgreSQL chain writer. Replicas of the gateway append to one chain:
 * each batch transaction takes a transaction-scoped advisory lock of its
 * schema, then reads the tip. The lock is released at commit, and under
 * READ COMMITTED the next holder's first statement after the lock already
 * sees that commit, so seqs never collide and never skip.
 *
 * Two round trips a batch, as multi-statement simple queries (ADR 0022's
 * literals): `begin`, the lock and the tip with the newest checkpoint (each
 * statement of a simple query takes its own snapshot, so the tip read after
 * the lock sees the previous holder's commit); then the rows, the
 * checkpoint, the journal mark and `commit`. The rows are written as
 * literals (text as escape strings, safe integers), which costs less than
 * binding 22 parameters a row through Kysely; a row a literal cannot carry
 * (UnwritableLiteral) sends its batch's writes with bind parameters
 * instead, and `commit` on its own. Without the pool (a database opened
 * without one) the same statements go through Kysely, one round trip each.
 */
export class PostgresChainWriter implements ChainWriter {
  readonly #db: Kysely<Tables>;
  readonly #pool: PostgresPool | undefined;

  constructor(db: Kysely<Tables>, pool?: PostgresPool) {
    this.#db = db;
    this.#pool = pool;
  }

  write(rows: readonly PendingRow[], policy: CheckpointPolicy, mark?: JournalMark, fields?: readonly (string | undefined)[]): Promise<ChainWriteResult> {
    if (this.#pool === undefined) return this.#writeThroughKysely(rows, policy, mark, fields);
    return inPoolClient(this.#pool, async (client) => {
      const results = statementRows(await client.query(`begin; ${AUDIT_CHAIN_LOCK}; ${TIP_AND_CHECKPOINT}`, []));
      const planned = plan(results.at(-1)?.[0], rows, policy, fields);
      let text: string | undefined;
      try {
        text = writesText(planned, mark);
      } catch (err) {
        if (!(err instanceof UnwritableLiteral)) throw err;
      }
      if (text !== undefined) await client.query(`${text}commit`, []);
      else {
        await writeParameterized((query) => client.query(query.sql, query.parameters), this.#db, planned, mark);
        await client.query('commit', []);
      }
      return planned.result;
    });
  }

  async #writeThroughKysely(rows: readonly PendingRow[], policy: CheckpointPolicy, mark: JournalMark | undefined, fields: readonly (string | undefined)[] | undefined): Promise<ChainWriteResult> {
    return this.#db.connection().execute(async (conn) => {
      try {
        await sql.raw(`begin; ${AUDIT_CHAIN_LOCK}`).execute(conn);
        const { rows: tip } = await sql.raw<TipRow>(TIP_AND_CHECKPOINT).execute(conn);
        const planned = plan(tip[0], rows, policy, fields);
        await writeParameterized((query) => conn.executeQuery(query), this.#db, planned, mark);
        await sql.raw('commit').execute(conn);
        return planned.result;
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

interface TipRow {
  seq: number | string | null;
  hash: string | null;
  checkpoint_seq: number | string | null;
  checkpoint_at: number | string | null;
}

/** A batch chained onto the tip it read: its rows and whether it records a checkpoint. */
interface Planned {
  chained: ChainedRow[];
  now: number;
  result: ChainWriteResult;
}

function plan(row: Record<string, unknown> | TipRow | undefined, rows: readonly PendingRow[], policy: CheckpointPolicy, fields: readonly (string | undefined)[] | undefined): Planned {
  const r = row as TipRow | undefined;
  const current: ChainTip = r?.seq === null || r?.seq === undefined ? GENESIS_TIP : { seq: Number(r.seq), hash: r.hash! };
  const lastCheckpoint: LastCheckpoint | undefined = r?.checkpoint_seq === null || r?.checkpoint_seq === undefined ? undefined : { seq: Number(r.checkpoint_seq), created_at: Number(r.checkpoint_at) };
  const chained = chainRows(current, rows, fields);
  const last = chained.at(-1);
  const tip: ChainTip = last === undefined ? current : { seq: last.seq, hash: last.hash };
  const now = Date.now();
  return { chained, now, result: { written: chained.length, tip, checkpointed: checkpointDue(tip, lastCheckpoint, now, policy) } };
}

/** The batch's writes as statements with literal values, each ended by `;`; throws UnwritableLiteral. */
function writesText(planned: Planned, mark: JournalMark | undefined): string {
  let text = '';
  const { chained, now, result } = planned;
  for (let i = 0; i < chained.length; i += ROWS_PER_INSERT) {
    const values: string[] = [];
    for (const row of chained.slice(i, i + ROWS_PER_INSERT)) values.push(rowLiteral(row));
    text += `insert into audit_log (${COLUMNS}) values ${values.join(', ')}; `;
  }
  if (result.checkpointed) text += `insert into audit_checkpoints (seq, hash, created_at) values (${intLiteral(result.tip.seq)}, ${textLiteral(result.tip.hash)}, ${intLiteral(now)}); `;
  // A mark only moves forward: a replayed batch never lowers it.
  if (mark !== undefined) {
    text += `insert into audit_journal_marks (journal, through, updated_at) values (${textLiteral(mark.journal)}, ${intLiteral(mark.through)}, ${intLiteral(now)}) on conflict (journal) do update set through = greatest(audit_journal_marks.through, excluded.through), updated_at = excluded.updated_at; `;
  }
  return text;
}

function rowLiteral(r: ChainedRow): string {
  return `(${intLiteral(r.seq)}, ${intLiteral(r.time)}, ${textLiteral(r.event_type)}, ${textLiteral(r.actor_kind)}, ${textLiteral(r.actor_id)}, ${textLiteral(r.target_agent)}, ${textLiteral(r.task_id)}, ${textLiteral(r.skill)}, ${textLiteral(r.tenant)}, ${textLiteral(r.user_id)}, ${textLiteral(r.ip)}, ${textLiteral(r.user_agent)}, ${textLiteral(r.method)}, ${textLiteral(r.input_hash)}, ${textLiteral(r.output_hash)}, ${intLiteral(r.duration_ms)}, ${intLiteral(r.milli_credits)}, ${textLiteral(r.error_code)}, ${textLiteral(r.outcome)}, ${textLiteral(r.detail)}, ${textLiteral(r.prev_hash)}, ${textLiteral(r.hash)})`;
}

/** The batch's writes with bind parameters, one statement each (the checkpoint and the mark as CTEs of the last insert). */
async function writeParameterized(run: (query: CompiledQuery) => Promise<unknown>, db: Kysely<Tables>, planned: Planned, mark: JournalMark | undefined): Promise<void> {
  const { chained, now, result } = planned;
  const chunks: ChainedRow[][] = [];
  for (let i = 0; i < chained.length; i += ROWS_PER_INSERT) chunks.push(chained.slice(i, i + ROWS_PER_INSERT));
  const lastChunk = chunks.pop();
  const send = async (query: { compile(): CompiledQuery }): Promise<void> => {
    await run(query.compile());
  };
  for (const chunk of chunks) await send(db.insertInto('audit_log').values(chunk));
  let q: QueryCreator<Tables> = db;
  if (result.checkpointed) q = q.with('checkpoint', (c) => c.insertInto('audit_checkpoints').values({ seq: result.tip.seq, hash: result.tip.hash, created_at: now }).returning('seq'));
  if (mark !== undefined) {
    q = q.with('mark', (c) =>
      c
        .insertInto('audit_journal_marks')
        .values({ journal: mark.journal, through: mark.through, updated_at: now })
        .onConflict((oc) => oc.column('journal').doUpdateSet({ through: sql`greatest(audit_journal_marks.through, excluded.through)`, updated_at: now }))
        .returning('journal'),
    );
  }
  if (lastChunk !== undefined) await send(q.insertInto('audit_log').values(lastChunk));
  else if (result.checkpointed || mark !== undefined) await send(q.selectNoFrom(sql<number>`1`.as('one')));
}
