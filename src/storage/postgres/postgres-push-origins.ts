import { sql, type Kysely } from 'kysely';
import type { ClaimNextOptions, ClaimOptions, DeadLetteredRow, OriginDown, OutboxRecord, PushConfigRecord } from '../push-store.js';
import type { Tables } from '../schema.js';
import type { ReplicaHeartbeat } from '../task-store.js';
import { toOutboxRecord, toPushConfig, type ClaimedRow } from '../task-rows.js';
import { DATABASE_NOW_MS } from '../database-clock.js';

/**
 * The outbox claim and the state of failing origins on PostgreSQL, shared by
 * every replica (ADR 0027). Kept apart from the task store: these queries are
 * push delivery's alone. Claim and probe leases are written and judged on the
 * database's clock, the one every replica shares: judged against each
 * replica's own, a replica whose clock runs ahead of the others' would take
 * their rows over while they are still sending them.
 */

/** `perOrigin` when unset: larger than any batch. */
const NO_BOUND = 2_147_483_647;


/**
 * Claims the due probes of failing origins, then the head rows of healthy
 * origins (at most `perOrigin` each). Two statements, no transaction around
 * them (an idle replica polls twice a second): each is atomic on its own,
 * and a probe taken by a replica that dies before it claims a row lapses
 * with its lease.
 */
export async function claimDuePostgres(db: Kysely<Tables>, o: ClaimOptions): Promise<OutboxRecord[]> {
  const probes = await claimProbes(db, o);
  const room = o.limit - probes.length;
  if (room <= 0) return probes;
  // SKIP LOCKED lets several replicas claim disjoint batches concurrently. The window keeps one
  // origin to `perOrigin` rows a claim, so a slow receiver's rows never outlive their lease queued here.
  const result = await sql<ClaimedRow>`
    WITH claimed AS (
      UPDATE push_outbox SET claimed_by = ${o.owner}, claim_expires_at = ${DATABASE_NOW_MS} + ${o.leaseMs}, updated_at = ${o.now}
      WHERE id IN (
        SELECT x.id FROM push_outbox x
        WHERE x.id IN (
          SELECT r.id FROM (
            SELECT h.id, row_number() OVER (PARTITION BY coalesce(c.origin_key, 'row:' || h.id::text) ORDER BY h.id) AS n
            FROM push_outbox h
            LEFT JOIN push_configs c ON c.task_id = h.task_id AND c.id = h.config_id
            WHERE h.state = 'pending' AND h.next_attempt_at <= ${o.now} AND (h.claimed_by IS NULL OR h.claim_expires_at < ${DATABASE_NOW_MS})
              AND h.id = (SELECT min(p.id) FROM push_outbox p WHERE p.task_id = h.task_id AND p.config_id = h.config_id AND p.state = 'pending')
              AND NOT EXISTS (SELECT 1 FROM push_origins g WHERE g.origin_key = c.origin_key)
              AND (c.origin_key IS NULL OR c.origin_key <> ALL(${o.skipOrigins ?? []}::text[]))
          ) r
          WHERE r.n <= ${o.perOrigin ?? NO_BOUND}
          ORDER BY r.id LIMIT ${room})
        AND x.state = 'pending' AND (x.claimed_by IS NULL OR x.claim_expires_at < ${DATABASE_NOW_MS})
        FOR UPDATE SKIP LOCKED)
      RETURNING id, task_id, config_id, seq, attempts, created_at)
    SELECT k.*, c.origin_key FROM claimed k LEFT JOIN push_configs c ON c.task_id = k.task_id AND c.id = k.config_id`.execute(db);
  return [...probes, ...result.rows.map((r) => toOutboxRecord(r, false))].sort((a, b) => a.id - b.id);
}

/** See {@link PushStore.claimNext}. */
export async function claimNextPostgres(db: Kysely<Tables>, taskId: string, configId: string, o: ClaimNextOptions): Promise<OutboxRecord | undefined> {
  const result = await sql<ClaimedRow>`
    WITH head AS (
      -- The head is the task's lowest pending row, whoever holds it: locked by another replica's claim,
      -- it is skipped, and nothing is claimed here. (SKIP LOCKED over the pending rows in order would
      -- take the one behind it, and deliver a task's notifications out of order.)
      SELECT x.id FROM push_outbox x
      WHERE x.id = (SELECT min(p.id) FROM push_outbox p WHERE p.task_id = ${taskId} AND p.config_id = ${configId} AND p.state = 'pending')
      FOR UPDATE SKIP LOCKED),
    config AS (SELECT c.origin_key FROM push_configs c WHERE c.task_id = ${taskId} AND c.id = ${configId})
    UPDATE push_outbox o SET claimed_by = ${o.owner}, claim_expires_at = ${DATABASE_NOW_MS} + ${o.leaseMs}, updated_at = ${o.now}
    FROM head
    WHERE o.id = head.id AND o.next_attempt_at <= ${o.now} AND (o.claimed_by IS NULL OR o.claim_expires_at < ${DATABASE_NOW_MS})
      AND NOT EXISTS (SELECT 1 FROM config JOIN push_origins g ON g.origin_key = config.origin_key)
    RETURNING o.id, o.task_id, o.config_id, o.seq, o.attempts, o.created_at, (SELECT origin_key FROM config) AS origin_key`.execute(db);
  const row = result.rows[0];
  return row === undefined ? undefined : toOutboxRecord(row, false);
}

/** Takes the due probes (one per failing origin, fleet-wide) and claims each one's row. */
async function claimProbes(db: Kysely<Tables>, o: ClaimOptions): Promise<OutboxRecord[]> {
  const taken = await sql<{ origin_key: string }>`
    UPDATE push_origins SET probe_by = ${o.owner}, probe_until = ${DATABASE_NOW_MS} + ${o.leaseMs}, updated_at = ${o.now}
    WHERE origin_key IN (
      SELECT origin_key FROM push_origins
      WHERE next_probe_at <= ${o.now} AND (probe_by IS NULL OR probe_until < ${DATABASE_NOW_MS})
      ORDER BY next_probe_at LIMIT ${o.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING origin_key`.execute(db);
  const keys = taken.rows.map((r) => r.origin_key);
  if (keys.length === 0) return [];
  // The head row tried longest ago: one config failing on its own (a 5xx of one path) cannot hold the origin down.
  const rows = await sql<ClaimedRow>`
    WITH picked AS (
      SELECT DISTINCT ON (c.origin_key) x.id, c.origin_key
      FROM push_outbox x JOIN push_configs c ON c.task_id = x.task_id AND c.id = x.config_id
      WHERE c.origin_key = ANY(${keys}::text[]) AND x.state = 'pending' AND x.next_attempt_at <= ${o.now}
        AND (x.claimed_by IS NULL OR x.claim_expires_at < ${DATABASE_NOW_MS})
        AND x.id = (SELECT min(p.id) FROM push_outbox p WHERE p.task_id = x.task_id AND p.config_id = x.config_id AND p.state = 'pending')
      ORDER BY c.origin_key, x.updated_at, x.id),
    claimed AS (
      UPDATE push_outbox o SET claimed_by = ${o.owner}, claim_expires_at = ${DATABASE_NOW_MS} + ${o.leaseMs}, updated_at = ${o.now}
      FROM picked WHERE o.id = picked.id AND o.state = 'pending' AND (o.claimed_by IS NULL OR o.claim_expires_at < ${DATABASE_NOW_MS})
      RETURNING o.id, o.task_id, o.config_id, o.seq, o.attempts, o.created_at, picked.origin_key)
    SELECT * FROM claimed`.execute(db);
  const probed = new Set(rows.rows.map((r) => r.origin_key));
  // Nothing of it left to send: it is failing no longer as far as anyone knows; the next failure starts over.
  const idle = keys.filter((k) => !probed.has(k));
  if (idle.length > 0) await db.deleteFrom('push_origins').where('origin_key', 'in', idle).execute();
  return rows.rows.map((r) => toOutboxRecord(r, true));
}

/** See {@link PushStore.markOriginDown}. */
export async function markOriginDownPostgres(db: Kysely<Tables>, originKey: string, o: OriginDown): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('push_origins').select('failures').where('origin_key', '=', originKey).forUpdate().executeTakeFirst();
    if (row === undefined) {
      await trx
        .insertInto('push_origins')
        .values({ origin_key: originKey, failures: 1, next_probe_at: o.nextProbeAt(1), probe_by: null, probe_until: null, last_error: o.error, updated_at: o.now })
        .onConflict((oc) => oc.column('origin_key').doNothing())
        .execute();
      return 1;
    }
    if (!o.probe) return row.failures;
    const failures = row.failures + 1;
    await trx
      .updateTable('push_origins')
      .set({ failures, next_probe_at: o.nextProbeAt(failures), probe_by: null, probe_until: null, last_error: o.error, updated_at: o.now })
      .where('origin_key', '=', originKey)
      .execute();
    return failures;
  });
}

/** See {@link PushStore.deadLetterOrigin}. */
export async function deadLetterOriginPostgres(db: Kysely<Tables>, originKey: string, o: { createdBefore: number; error: string; now: number }): Promise<DeadLetteredRow[]> {
  const result = await sql<{ task_id: string; config_id: string }>`
    UPDATE push_outbox x SET state = 'dead', last_error = ${o.error}, claimed_by = NULL, updated_at = ${o.now}
    FROM push_configs c
    WHERE c.task_id = x.task_id AND c.id = x.config_id AND c.origin_key = ${originKey}
      AND x.state = 'pending' AND x.created_at < ${o.createdBefore} AND (x.claimed_by IS NULL OR x.claim_expires_at < ${DATABASE_NOW_MS})
    RETURNING x.task_id, x.config_id`.execute(db);
  return result.rows.map((r) => ({ taskId: r.task_id, configId: r.config_id }));
}

/** See {@link PushStore.releaseClaimsOf}: one statement for the rows, one for the probes. */
export async function releaseClaimsOfPostgres(db: Kysely<Tables>, silent: readonly ReplicaHeartbeat[]): Promise<number> {
  if (silent.length === 0) return 0;
  const ids = silent.map((r) => r.id);
  const beats = silent.map((r) => r.heartbeatAt);
  // A silent replica whose row moved on since (it came back) keeps what it holds.
  const stillSilent = sql`NOT EXISTS (SELECT 1 FROM runtime_replicas r WHERE r.id = s.id AND r.heartbeat_at <> s.beat)`;
  const rows = await sql`
    UPDATE push_outbox o SET claimed_by = NULL
    FROM unnest(${ids}::text[], ${beats}::bigint[]) AS s(id, beat)
    WHERE o.claimed_by = s.id AND o.state = 'pending' AND ${stillSilent}`.execute(db);
  await sql`
    UPDATE push_origins g SET probe_by = NULL, probe_until = NULL
    FROM unnest(${ids}::text[], ${beats}::bigint[]) AS s(id, beat)
    WHERE g.probe_by = s.id AND ${stillSilent}`.execute(db);
  return Number(rows.numAffectedRows ?? 0n);
}

export async function releaseOriginProbePostgres(db: Kysely<Tables>, originKey: string): Promise<void> {
  await db.updateTable('push_origins').set({ probe_by: null, probe_until: null }).where('origin_key', '=', originKey).execute();
}

export async function markOriginUpPostgres(db: Kysely<Tables>, originKey: string): Promise<void> {
  await db.deleteFrom('push_origins').where('origin_key', '=', originKey).execute();
}

export async function originsDownPostgres(db: Kysely<Tables>): Promise<number> {
  const row = await db.selectFrom('push_origins').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function getCanaryPostgres(db: Kysely<Tables>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('sealed_canaries').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

export async function putCanaryIfAbsentPostgres(db: Kysely<Tables>, name: string, value: string, now: number): Promise<string> {
  await db.insertInto('sealed_canaries').values({ name, value, created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
  return (await getCanaryPostgres(db, name))!;
}

export async function replaceCanaryPostgres(db: Kysely<Tables>, name: string, from: string, to: string): Promise<boolean> {
  const r = await db.updateTable('sealed_canaries').set({ value: to }).where('name', '=', name).where('value', '=', from).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** See {@link PushStore.configsWithoutOrigin}. */
export async function configsWithoutOriginPostgres(db: Kysely<Tables>, after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
  let query = db.selectFrom('push_configs').selectAll().where('origin_key', 'is', null);
  if (after) query = query.where(sql<boolean>`(task_id, id) > (${after.taskId}, ${after.id})`);
  const rows = await query.orderBy('task_id').orderBy('id').limit(limit).execute();
  return rows.map(toPushConfig);
}

/** See {@link PushStore.setConfigOrigin}. */
export async function setConfigOriginPostgres(db: Kysely<Tables>, taskId: string, id: string, config: string, originKey: string): Promise<boolean> {
  const r = await db.updateTable('push_configs').set({ origin_key: originKey }).where('task_id', '=', taskId).where('id', '=', id).where('config', '=', config).where('origin_key', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
