import type BetterSqlite3 from 'better-sqlite3';
import type { ClaimNextOptions, ClaimOptions, OriginDown, OutboxRecord } from '../push-store.js';
import { toOutboxRecord, type ClaimedRow, type PushConfigRow } from '../task-rows.js';

/**
 * The outbox claim and the state of failing origins on SQLite: the same
 * rules as on PostgreSQL (ADR 0027). Each function runs inside one of the
 * store's write transactions, so a claim is atomic without row locks.
 */

/** `perOrigin` when unset: larger than any batch. */
const NO_BOUND = 2_147_483_647;

/**
 * `@now` is the claimer's (rows' retry times are the claimers' own); `@clock`
 * the host's, which every process on this database shares: claim and probe
 * leases are written and judged by it, as on PostgreSQL by the database's.
 */
const HEAD = `x.state = 'pending' AND x.next_attempt_at <= @now AND (x.claimed_by IS NULL OR x.claim_expires_at < @clock)
  AND x.id = (SELECT min(p.id) FROM push_outbox p WHERE p.task_id = x.task_id AND p.config_id = x.config_id AND p.state = 'pending')`;

/** The statements of push delivery on one connection, each that reads typed by the row its SQL returns. */
export interface PushOriginStatements {
  dueProbes: BetterSqlite3.Statement<[{ now: number; clock: number; limit: number }], { origin_key: string }>;
  takeProbe: BetterSqlite3.Statement;
  probeRow: BetterSqlite3.Statement<[{ key: string; now: number; clock: number }], ClaimedRow>;
  dropOrigin: BetterSqlite3.Statement;
  releaseProbe: BetterSqlite3.Statement;
  releaseClaimsOf: BetterSqlite3.Statement<{ id: string; beat: number }>;
  releaseProbesOf: BetterSqlite3.Statement<{ id: string; beat: number }>;
  due: BetterSqlite3.Statement<[{ now: number; clock: number; perOrigin: number; limit: number; skip: string }], ClaimedRow>;
  next: BetterSqlite3.Statement<[{ taskId: string; configId: string; now: number; clock: number }], ClaimedRow>;
  claim: BetterSqlite3.Statement;
  origin: BetterSqlite3.Statement<[string], { failures: number }>;
  insertOrigin: BetterSqlite3.Statement;
  failOrigin: BetterSqlite3.Statement;
  originsDown: BetterSqlite3.Statement<[], { n: number }>;
  withoutOriginFirst: BetterSqlite3.Statement<[number], PushConfigRow>;
  withoutOriginAfter: BetterSqlite3.Statement<[string, string, string, number], PushConfigRow>;
  setConfigOrigin: BetterSqlite3.Statement;
  deadLetterOrigin: BetterSqlite3.Statement<unknown[], { task_id: string; config_id: string }>;
  getCanary: BetterSqlite3.Statement<[string], { value: string }>;
  putCanary: BetterSqlite3.Statement;
  replaceCanary: BetterSqlite3.Statement;
}

/** The statements, prepared once per store. */
export function preparePushOrigins(db: BetterSqlite3.Database): PushOriginStatements {
  return {
    dueProbes: db.prepare<{ now: number; clock: number; limit: number }, { origin_key: string }>(`SELECT origin_key FROM push_origins WHERE next_probe_at <= @now AND (probe_by IS NULL OR probe_until < @clock) ORDER BY next_probe_at LIMIT @limit`),
    takeProbe: db.prepare('UPDATE push_origins SET probe_by = @owner, probe_until = @leaseUntil, updated_at = @now WHERE origin_key = @key'),
    // The head row tried longest ago: one config failing on its own cannot hold the origin down.
    probeRow: db.prepare<{ key: string; now: number; clock: number }, ClaimedRow>(
      `SELECT x.id, x.task_id, x.config_id, x.seq, x.attempts, x.created_at, c.origin_key
       FROM push_outbox x JOIN push_configs c ON c.task_id = x.task_id AND c.id = x.config_id
       WHERE c.origin_key = @key AND ${HEAD}
       ORDER BY x.updated_at, x.id LIMIT 1`,
    ),
    dropOrigin: db.prepare('DELETE FROM push_origins WHERE origin_key = ?'),
    releaseProbe: db.prepare('UPDATE push_origins SET probe_by = NULL, probe_until = NULL WHERE origin_key = ?'),
    // A silent replica whose row moved on since (it came back) keeps what it holds.
    releaseClaimsOf: db.prepare<{ id: string; beat: number }>(
      `UPDATE push_outbox SET claimed_by = NULL WHERE claimed_by = @id AND state = 'pending'
         AND NOT EXISTS (SELECT 1 FROM runtime_replicas r WHERE r.id = @id AND r.heartbeat_at <> @beat)`,
    ),
    releaseProbesOf: db.prepare<{ id: string; beat: number }>(
      `UPDATE push_origins SET probe_by = NULL, probe_until = NULL WHERE probe_by = @id
         AND NOT EXISTS (SELECT 1 FROM runtime_replicas r WHERE r.id = @id AND r.heartbeat_at <> @beat)`,
    ),
    // `skip`: a JSON array of origin keys (ClaimOptions.skipOrigins).
    due: db.prepare<{ now: number; clock: number; perOrigin: number; limit: number; skip: string }, ClaimedRow>(
      `SELECT r.id, r.task_id, r.config_id, r.seq, r.attempts, r.created_at, r.origin_key FROM (
         SELECT x.id, x.task_id, x.config_id, x.seq, x.attempts, x.created_at, c.origin_key,
           row_number() OVER (PARTITION BY coalesce(c.origin_key, 'row:' || x.id) ORDER BY x.id) AS n
         FROM push_outbox x LEFT JOIN push_configs c ON c.task_id = x.task_id AND c.id = x.config_id
         WHERE ${HEAD} AND NOT EXISTS (SELECT 1 FROM push_origins g WHERE g.origin_key = c.origin_key)
           AND (c.origin_key IS NULL OR c.origin_key NOT IN (SELECT value FROM json_each(@skip)))
       ) r WHERE r.n <= @perOrigin ORDER BY r.id LIMIT @limit`,
    ),
    next: db.prepare<{ taskId: string; configId: string; now: number; clock: number }, ClaimedRow>(
      `SELECT x.id, x.task_id, x.config_id, x.seq, x.attempts, x.created_at, c.origin_key
       FROM push_outbox x LEFT JOIN push_configs c ON c.task_id = x.task_id AND c.id = x.config_id
       WHERE x.task_id = @taskId AND x.config_id = @configId AND ${HEAD}
         AND NOT EXISTS (SELECT 1 FROM push_origins g WHERE g.origin_key = c.origin_key)`,
    ),
    claim: db.prepare('UPDATE push_outbox SET claimed_by = ?, claim_expires_at = ?, updated_at = ? WHERE id = ?'),
    origin: db.prepare<[string], { failures: number }>('SELECT failures FROM push_origins WHERE origin_key = ?'),
    insertOrigin: db.prepare('INSERT INTO push_origins (origin_key, failures, next_probe_at, probe_by, probe_until, last_error, updated_at) VALUES (?, 1, ?, NULL, NULL, ?, ?) ON CONFLICT (origin_key) DO NOTHING'),
    failOrigin: db.prepare('UPDATE push_origins SET failures = ?, next_probe_at = ?, probe_by = NULL, probe_until = NULL, last_error = ?, updated_at = ? WHERE origin_key = ?'),
    originsDown: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM push_origins'),
    withoutOriginFirst: db.prepare<[number], PushConfigRow>('SELECT * FROM push_configs WHERE origin_key IS NULL ORDER BY task_id, id LIMIT ?'),
    withoutOriginAfter: db.prepare<[string, string, string, number], PushConfigRow>('SELECT * FROM push_configs WHERE origin_key IS NULL AND (task_id > ? OR (task_id = ? AND id > ?)) ORDER BY task_id, id LIMIT ?'),
    setConfigOrigin: db.prepare('UPDATE push_configs SET origin_key = ? WHERE task_id = ? AND id = ? AND config = ? AND origin_key IS NULL'),
    deadLetterOrigin: db.prepare(
      `UPDATE push_outbox SET state = 'dead', last_error = @error, claimed_by = NULL, updated_at = @now
       WHERE state = 'pending' AND created_at < @createdBefore AND (claimed_by IS NULL OR claim_expires_at < @clock)
         AND EXISTS (SELECT 1 FROM push_configs c WHERE c.task_id = push_outbox.task_id AND c.id = push_outbox.config_id AND c.origin_key = @key)
       RETURNING task_id, config_id`,
    ),
    getCanary: db.prepare<[string], { value: string }>('SELECT value FROM sealed_canaries WHERE name = ?'),
    putCanary: db.prepare('INSERT INTO sealed_canaries (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    replaceCanary: db.prepare('UPDATE sealed_canaries SET value = ? WHERE name = ? AND value = ?'),
  };
}

/** Claims the due probes, then the head rows of healthy origins; call inside a write transaction. */
export function claimDueSqlite(s: PushOriginStatements, o: ClaimOptions): OutboxRecord[] {
  const claimed: OutboxRecord[] = [];
  const clock = Date.now();
  const leaseUntil = clock + o.leaseMs;
  for (const { origin_key: key } of s.dueProbes.all({ now: o.now, clock, limit: o.limit })) {
    const row = s.probeRow.get({ key, now: o.now, clock });
    if (row === undefined) {
      // Nothing of it left to send: it is failing no longer as far as anyone knows.
      s.dropOrigin.run(key);
      continue;
    }
    s.takeProbe.run({ owner: o.owner, leaseUntil, now: o.now, key });
    s.claim.run(o.owner, leaseUntil, o.now, row.id);
    claimed.push(toOutboxRecord(row, true));
  }
  const room = o.limit - claimed.length;
  if (room > 0) {
    const skip = o.skipOrigins === undefined || o.skipOrigins.length === 0 ? '[]' : JSON.stringify(o.skipOrigins);
    for (const row of s.due.all({ now: o.now, clock, perOrigin: o.perOrigin ?? NO_BOUND, limit: room, skip })) {
      s.claim.run(o.owner, leaseUntil, o.now, row.id);
      claimed.push(toOutboxRecord(row, false));
    }
  }
  return claimed.sort((a, b) => a.id - b.id);
}

/** See PushStore.claimNext; call inside a write transaction. */
export function claimNextSqlite(s: PushOriginStatements, taskId: string, configId: string, o: ClaimNextOptions): OutboxRecord | undefined {
  const clock = Date.now();
  const row = s.next.get({ taskId, configId, now: o.now, clock });
  if (row === undefined) return undefined;
  const leaseUntil = clock + o.leaseMs;
  s.claim.run(o.owner, leaseUntil, o.now, row.id);
  return toOutboxRecord(row, false);
}

/** See PushStore.markOriginDown; call inside a write transaction. */
export function markOriginDownSqlite(s: PushOriginStatements, originKey: string, o: OriginDown): number {
  const row = s.origin.get(originKey);
  if (row === undefined) {
    s.insertOrigin.run(originKey, o.nextProbeAt(1), o.error, o.now);
    return 1;
  }
  if (!o.probe) return row.failures;
  const failures = row.failures + 1;
  s.failOrigin.run(failures, o.nextProbeAt(failures), o.error, o.now, originKey);
  return failures;
}
