import type BetterSqlite3 from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { WindowedBloomFilter } from './bloom-filter.js';
import type { WriteGate } from './write-gate.js';
import { MESSAGE_WINDOW_MS, messageBucket, messageBuckets, messageKey } from '../message-key.js';
import { packEvents, unpackEvents, type EventRow } from '../event-rows.js';
import { invalidCursor, versionConflict } from '../store-errors.js';
import type { ClaimNextOptions, ClaimOptions, DeadLetteredRow, OriginDown, OutboxRecord, OutboxStats, PushConfigRecord, PushStore, Settle } from '../push-store.js';
import { claimDueSqlite, claimNextSqlite, markOriginDownSqlite, preparePushOrigins, type PushOriginStatements } from './sqlite-push-origins.js';
import type { NewTask, ReplicaHeartbeat, ReplicaRecord, TaskAppend, TaskEventRecord, TaskListPage, TaskListQuery, TaskRecord, TaskStore } from '../task-store.js';
import { toPushConfig, toTask, type PushConfigRow, type TaskRow } from '../task-rows.js';

interface PendingWrite {
  run: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The embedded task store on better-sqlite3 prepared statements.
 *
 * Group commit: writes issued during one event-loop turn are committed
 * together in one transaction on the next `setImmediate`, and each caller's
 * promise settles only after that commit — an acknowledged write is durable.
 * If one write fails, the batch is rolled back and each write is committed on
 * its own, so one conflicting write never takes its neighbours down. See docs/adr/0002-durable-store-hot-path.md.
 */
export class SqliteTaskStore implements TaskStore, PushStore {
  #db: BetterSqlite3.Database;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  // Prepared once per distinct filter: the task list and its count.
  #listStatements = new Map<string, BetterSqlite3.Statement<unknown[], TaskRow>>();
  #countStatements = new Map<string, BetterSqlite3.Statement<unknown[], { n: number }>>();
  #s: ReturnType<typeof prepare>;
  #origins: PushOriginStatements;

  #commitBatch: (batch: PendingWrite[]) => void;
  #commitOne: (run: () => void) => void;

  #gate: WriteGate | undefined;

  /** `gate`: the checkpointer's; while it is closed, batches wait (see SqliteCheckpointer). */
  constructor(options: { sqlite: BetterSqlite3.Database; gate?: WriteGate | undefined }) {
    this.#db = options.sqlite;
    this.#gate = options.gate;
    this.#s = prepare(this.#db);
    this.#origins = preparePushOrigins(this.#db);
    this.#commitBatch = this.#db.transaction((batch: PendingWrite[]) => {
      for (const w of batch) w.run();
    });
    this.#commitOne = this.#db.transaction((run: () => void) => run());
  }

  create(task: NewTask): Promise<void> {
    if (task.messageId !== null) {
      const key = bloomKey(task.agent, task.tenant, task.messageId);
      this.#messageFilter().add(key, task.now);
    }
    return this.#enqueue(() => {
      const inRow = snapshotInRow(task.snapshot);
      this.#s.insertTask.run(task.id, task.agent, task.tenant, task.contextId, task.state, task.skill, task.messageId, task.messageId === null ? null : messageKey(task.agent, task.tenant, task.messageId), task.messageId === null ? null : messageBucket(task.now), task.events.length, lastSeqOf(task.events, 0), inRow, task.owner, task.idempotent ? 1 : 0, task.terminal ? 1 : 0, task.now, task.now);
      if (inRow === '') this.#s.putSnapshot.run(task.id, task.snapshot);
      if (task.events.length > 0) this.#insertEvents(task.id, task.events, task.now);
      if (task.pushConfigured) for (const e of task.events) this.#s.enqueuePush.run(e.seq, task.now, task.now, task.now, task.id);
    });
  }

  append(change: TaskAppend): Promise<void> {
    return this.#enqueue(() => {
      const lastSeq = lastSeqOf(change.events, -1);
      const inRow = change.snapshot === undefined ? null : snapshotInRow(change.snapshot);
      const result =
        change.owner === undefined
          ? this.#s.updateTask.run(change.state, inRow, change.terminal ? 1 : 0, lastSeq, change.now, change.taskId, change.expectedVersion)
          : this.#s.updateTaskOwner.run(change.state, inRow, change.terminal ? 1 : 0, lastSeq, change.now, change.owner, change.taskId, change.expectedVersion);
      if (result.changes === 0) throw versionConflict(change.taskId, change.expectedVersion);
      if (inRow === '') this.#s.putSnapshot.run(change.taskId, change.snapshot);
      if (change.events.length === 0) return;
      this.#insertEvents(change.taskId, change.events, change.now);
      for (const e of change.events) this.#s.enqueuePush.run(e.seq, change.now, change.now, change.now, change.taskId);
    });
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = this.#s.getTask.get(id);
    return row ? toTask(row) : undefined;
  }

  async findByMessage(agent: string, tenant: string, messageId: string, now: number): Promise<TaskRecord | undefined> {
    // Nearly every message is new: the filter answers those without touching the index.
    if (!this.#messageFilter().mightContain(bloomKey(agent, tenant, messageId))) return undefined;
    const row = this.#s.byMessage.get(JSON.stringify(messageBuckets(now)), messageKey(agent, tenant, messageId), agent, tenant, messageId);
    return row ? toTask(row) : undefined;
  }

  async list(query: TaskListQuery): Promise<TaskListPage> {
    const where = ['agent = ?', 'tenant = ?'];
    const params: unknown[] = [query.agent, query.tenant];
    if (query.contextId !== undefined) {
      where.push('context_id = ?');
      params.push(query.contextId);
    }
    if (query.state !== undefined) {
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.updatedAfter !== undefined) {
      where.push('updated_at >= ?');
      params.push(query.updatedAfter);
    }
    const total = cachedStatement(this.#db, this.#countStatements, `SELECT count(*) AS n FROM tasks WHERE ${where.join(' AND ')}`).get(...params)?.n ?? 0;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      if (!cursor) throw invalidCursor();
      where.push('(updated_at < ? OR (updated_at = ? AND id < ?))');
      params.push(cursor.updatedAt, cursor.updatedAt, cursor.id);
    }
    const rows = cachedStatement(this.#db, this.#listStatements, `SELECT ${TASK_COLUMNS} FROM tasks t ${SNAPSHOT_JOIN} WHERE ${where.join(' AND ')} ORDER BY t.updated_at DESC, t.id DESC LIMIT ?`).all(...params, query.pageSize + 1);
    const more = rows.length > query.pageSize;
    const page = (more ? rows.slice(0, query.pageSize) : rows).map(toTask);
    const last = page[page.length - 1];
    return { tasks: page, totalSize: total, nextCursor: more && last ? encodeCursor({ updatedAt: last.updatedAt, id: last.id }) : '' };
  }

  async events(taskId: string, afterSeq: number, limit: number): Promise<TaskEventRecord[]> {
    return unpackEvents(this.#s.events.all(taskId, afterSeq, limit), afterSeq, limit);
  }

  #insertEvents(taskId: string, events: NewTask['events'], now: number): void {
    const row = packEvents(taskId, events, now);
    this.#s.insertEvent.run(row.task_id, row.seq, row.last_seq, row.kind, row.payload, row.created_at);
  }

  heartbeat(replicaId: string, now: number, hosts?: string): Promise<void> {
    return this.#enqueue(() => void this.#s.heartbeat.run(replicaId, now, now, hosts ?? null));
  }

  async replicasSeen(since: number): Promise<ReplicaRecord[]> {
    return this.#s.replicasSeen.all(since).map((r) => ({ id: r.id, heartbeatAt: r.heartbeat_at, hosts: r.hosts }));
  }

  removeReplica(replicaId: string, heartbeatAt?: number): Promise<void> {
    return this.#enqueue(() => void (heartbeatAt === undefined ? this.#s.removeReplica.run(replicaId) : this.#s.removeSilentReplica.run(replicaId, heartbeatAt)));
  }

  async orphans(stale: readonly ReplicaHeartbeat[], limit: number, afterId = ''): Promise<TaskRecord[]> {
    return this.#s.orphans.all(JSON.stringify(stale.map((r) => [r.id, r.heartbeatAt])), afterId, limit).map(toTask);
  }

  async prune(before: number, limit: number): Promise<number> {
    let count = 0;
    await this.#enqueue(() => {
      const ids = this.#s.prunable.all(before, limit).map((r) => r.id);
      for (const id of ids) {
        this.#s.deleteEvents.run(id);
        this.#s.deleteConfigs.run(id);
        this.#s.deleteOutbox.run(id);
        this.#s.deleteTask.run(id);
        this.#s.deleteSnapshot.run(id);
      }
      count = ids.length;
    });
    return count;
  }

  putConfig(c: PushConfigRecord): Promise<void> {
    return this.#enqueue(() => void this.#s.putConfig.run(c.taskId, c.id, c.tenant, c.config, c.protocol, c.createdAt, c.originKey ?? null));
  }

  async getConfig(taskId: string, id: string): Promise<PushConfigRecord | undefined> {
    const row = this.#s.getConfig.get(taskId, id);
    return row ? toPushConfig(row) : undefined;
  }

  async listConfigs(taskId: string): Promise<PushConfigRecord[]> {
    return this.#s.listConfigs.all(taskId).map(toPushConfig);
  }

  async configsNotSealed(limit: number): Promise<PushConfigRecord[]> {
    return this.#s.configsNotSealed.all(limit).map(toPushConfig);
  }

  async configsAfter(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
    const rows = after ? this.#s.configsAfter.all(after.taskId, after.taskId, after.id, limit) : this.#s.configsFirst.all(limit);
    return rows.map(toPushConfig);
  }

  async configsWithoutOrigin(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
    const rows = after ? this.#origins.withoutOriginAfter.all(after.taskId, after.taskId, after.id, limit) : this.#origins.withoutOriginFirst.all(limit);
    return rows.map(toPushConfig);
  }

  async setConfigOrigin(taskId: string, id: string, config: string, originKey: string): Promise<boolean> {
    let set = false;
    await this.#enqueue(() => {
      set = this.#origins.setConfigOrigin.run(originKey, taskId, id, config).changes > 0;
    });
    return set;
  }

  async replaceConfig(taskId: string, id: string, from: string, to: string): Promise<boolean> {
    let replaced = false;
    await this.#enqueue(() => {
      replaced = this.#s.replaceConfig.run(to, taskId, id, from).changes > 0;
    });
    return replaced;
  }

  async deleteConfig(taskId: string, id: string): Promise<boolean> {
    let existed = false;
    await this.#enqueue(() => {
      existed = this.#s.deleteConfig.run(taskId, id).changes > 0;
      this.#s.deleteConfigOutbox.run(taskId, id);
    });
    return existed;
  }

  async claimDue(o: ClaimOptions): Promise<OutboxRecord[]> {
    let claimed: OutboxRecord[] = [];
    await this.#enqueue(() => {
      claimed = claimDueSqlite(this.#origins, o);
    });
    return claimed;
  }

  async claimNext(taskId: string, configId: string, o: ClaimNextOptions): Promise<OutboxRecord | undefined> {
    let claimed: OutboxRecord | undefined;
    await this.#enqueue(() => {
      claimed = claimNextSqlite(this.#origins, taskId, configId, o);
    });
    return claimed;
  }

  markDelivered(id: number, o: Settle): Promise<boolean> {
    return this.#settled(() => this.#s.delivered.run(o.now, id, o.owner));
  }

  markRetry(id: number, o: Settle & { nextAttemptAt: number; error: string }): Promise<boolean> {
    return this.#settled(() => this.#s.retry.run(o.nextAttemptAt, o.error, o.now, id, o.owner));
  }

  markDead(id: number, o: Settle & { error: string }): Promise<boolean> {
    return this.#settled(() => this.#s.dead.run(o.error, o.now, id, o.owner));
  }

  /** Runs a settle in the write queue; true when it changed its row (still the settler's claim). */
  async #settled(run: () => BetterSqlite3.RunResult): Promise<boolean> {
    let changed = false;
    await this.#enqueue(() => {
      changed = run().changes > 0;
    });
    return changed;
  }

  async stats(): Promise<OutboxStats> {
    const rows = this.#s.outboxStats.all();
    return { pending: rows.find((r) => r.state === 'pending')?.n ?? 0, dead: rows.find((r) => r.state === 'dead')?.n ?? 0 };
  }

  async markOriginDown(originKey: string, o: OriginDown): Promise<number> {
    let failures = 0;
    await this.#enqueue(() => {
      failures = markOriginDownSqlite(this.#origins, originKey, o);
    });
    return failures;
  }

  markOriginUp(originKey: string): Promise<void> {
    return this.#enqueue(() => void this.#origins.dropOrigin.run(originKey));
  }

  releaseOriginProbe(originKey: string): Promise<void> {
    return this.#enqueue(() => void this.#origins.releaseProbe.run(originKey));
  }

  async releaseClaimsOf(silent: readonly ReplicaHeartbeat[]): Promise<number> {
    if (silent.length === 0) return 0;
    let released = 0;
    await this.#enqueue(() => {
      for (const { id, heartbeatAt: beat } of silent) {
        released += this.#origins.releaseClaimsOf.run({ id, beat }).changes;
        this.#origins.releaseProbesOf.run({ id, beat });
      }
    });
    return released;
  }

  async deadLetterOrigin(originKey: string, o: { createdBefore: number; error: string; now: number }): Promise<DeadLetteredRow[]> {
    let rows: DeadLetteredRow[] = [];
    await this.#enqueue(() => {
      rows = this.#origins.deadLetterOrigin.all({ key: originKey, createdBefore: o.createdBefore, error: o.error, now: o.now, clock: Date.now() }).map((r) => ({ taskId: r.task_id, configId: r.config_id }));
    });
    return rows;
  }

  async originsDown(): Promise<number> {
    return (this.#origins.originsDown.get()?.n ?? 0);
  }

  async getCanary(name: string): Promise<string | undefined> {
    return this.#origins.getCanary.get(name)?.value;
  }

  async putCanaryIfAbsent(name: string, value: string, now: number): Promise<string> {
    await this.#enqueue(() => void this.#origins.putCanary.run(name, value, now));
    return (await this.getCanary(name))!;
  }

  async replaceCanary(name: string, from: string, to: string): Promise<boolean> {
    let replaced = false;
    await this.#enqueue(() => {
      replaced = this.#origins.replaceCanary.run(to, name, from).changes > 0;
    });
    return replaced;
  }

  /**
   * A Bloom filter of the (agent, tenant, messageId) of the tasks a lookup can
   * still find (created within its window). Looking a random client messageId
   * up in its index cost ~5 µs a request; the filter answers "certainly new"
   * in well under one. This process is the only writer of its SQLite file (the
   * embedded mode), and the filter belongs to the connection, shared by every
   * store on it (several runtimes in one process), so it sees every insert; it
   * is built from the table on first use, then grows and rotates by itself
   * (bloom-filter.ts).
   */
  #messageFilter(): WindowedBloomFilter {
    const shared = MESSAGE_FILTERS.get(this.#db);
    if (shared) return shared;
    const rows = this.#db.prepare<[], [string, string, string, number]>('SELECT agent, tenant, message_id, created_at FROM tasks WHERE message_id IS NOT NULL').raw().all();
    // Its first generation starts at the newest task's time: the rows' clock, whatever it is.
    const newest = rows.reduce<number | undefined>((max, r) => (max === undefined || r[3] > max ? r[3] : max), undefined);
    const filter = new WindowedBloomFilter({ capacity: Math.max(100_000, rows.length * 2), windowMs: MESSAGE_WINDOW_MS, now: newest });
    for (const [agent, tenant, messageId] of rows) filter.add(bloomKey(agent, tenant, messageId), newest!);
    MESSAGE_FILTERS.set(this.#db, filter);
    return filter;
  }

  #enqueue(run: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ run, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    // Still scheduled while it waits, so new writes join this batch instead of scheduling another.
    if (this.#gate?.closed) {
      this.#gate.whenOpen(() => this.#flush());
      return;
    }
    this.#commitQueued();
  }

  #commitQueued(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    try {
      // Fast path: the whole turn's writes in one transaction. Every write
      // checks before it changes anything (version, uniqueness), so a failing
      // one normally leaves nothing behind — but to be sure, any failure rolls
      // the batch back and the slow path commits each write on its own.
      this.#commitBatch(batch);
    } catch {
      for (const w of batch) {
        try {
          this.#commitOne(w.run);
          w.resolve();
        } catch (err) {
          w.reject(err ?? new Error('write failed'));
        }
      }
      return;
    }
    for (const w of batch) w.resolve();
  }

}

/** The statement of `sql` from `cache`, prepared (typed by the row it returns) on first use. */
function cachedStatement<Row>(db: BetterSqlite3.Database, cache: Map<string, BetterSqlite3.Statement<unknown[], Row>>, sql: string): BetterSqlite3.Statement<unknown[], Row> {
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare<unknown[], Row>(sql);
    cache.set(sql, s);
  }
  return s;
}

/** The messageId filter of each connection: a store of its own per runtime would miss the others' tasks. */
const MESSAGE_FILTERS = new WeakMap<BetterSqlite3.Database, WindowedBloomFilter>();

/**
 * Longest snapshot (in characters) a `tasks` row holds itself: past it the
 * row would spill into overflow pages, each copied again by every UPDATE of
 * the row. A call's task is a few hundred bytes: most tasks never write a
 * second row.
 */
const SNAPSHOT_INLINE_LIMIT = 2_048;

/**
 * What a task's row holds of its snapshot: the snapshot when it is short,
 * else '' (the snapshot goes to `task_snapshots`). SQLite rewrites a whole
 * row, overflow pages included, on every UPDATE: a long workflow's task
 * (its definition in its history) made each of its steps' writes cost as
 * much as the definition's size (docs/adr/0081-large-task-snapshots-apart-on-sqlite.md).
 * A short snapshot written after a long one leaves a stale `task_snapshots`
 * row, which reads ignore (the task's row holds its snapshot again).
 */
const snapshotInRow = (snapshot: string): string => (snapshot.length < SNAPSHOT_INLINE_LIMIT ? snapshot : '');

/** A task's columns, its snapshot from `task_snapshots` when its row holds '' (with {@link SNAPSHOT_JOIN}, which names `t` and `s`). */
const TASK_COLUMNS =
  "t.id, t.agent, t.tenant, t.context_id, t.state, t.skill, t.message_id, t.message_key, t.message_bucket, t.version, t.last_seq, coalesce(s.snapshot, t.snapshot) AS snapshot, t.owner, t.idempotent, t.terminal, t.created_at, t.updated_at";
/** A short snapshot's row joins nothing (the condition on `t.snapshot` spares the lookup). */
const SNAPSHOT_JOIN = "LEFT JOIN task_snapshots s ON t.snapshot = '' AND s.task_id = t.id";

const bloomKey = (agent: string, tenant: string, messageId: string): string => `${agent}\u0000${tenant}\u0000${messageId}`;

function lastSeqOf(events: { seq: number }[], fallback: number): number {
  return events.length === 0 ? fallback : events[events.length - 1]!.seq;
}

function prepare(db: BetterSqlite3.Database) {
  return {
    insertTask: db.prepare(
      'INSERT INTO tasks (id, agent, tenant, context_id, state, skill, message_id, message_key, message_bucket, version, last_seq, snapshot, owner, idempotent, terminal, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // last_seq = max(...) keeps the column right when an append carries no events (-1).
    updateTask: db.prepare('UPDATE tasks SET state = ?, snapshot = coalesce(?, snapshot), terminal = ?, last_seq = max(last_seq, ?), updated_at = ?, version = version + 1 WHERE id = ? AND version = ?'),
    updateTaskOwner: db.prepare('UPDATE tasks SET state = ?, snapshot = coalesce(?, snapshot), terminal = ?, last_seq = max(last_seq, ?), updated_at = ?, owner = ?, version = version + 1 WHERE id = ? AND version = ?'),
    insertEvent: db.prepare('INSERT INTO task_events (task_id, seq, last_seq, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    enqueuePush: db.prepare(
      "INSERT INTO push_outbox (task_id, config_id, seq, state, attempts, next_attempt_at, created_at, updated_at) SELECT task_id, id, ?, 'pending', 0, ?, ?, ? FROM push_configs WHERE task_id = ?",
    ),
    putSnapshot: db.prepare('INSERT INTO task_snapshots (task_id, snapshot) VALUES (?, ?) ON CONFLICT (task_id) DO UPDATE SET snapshot = excluded.snapshot'),
    getTask: db.prepare<unknown[], TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks t ${SNAPSHOT_JOIN} WHERE t.id = ?`),
    // INDEXED BY: without statistics the planner would scan tasks_list (agent, tenant) instead.
    byMessage: db.prepare<unknown[], TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks t INDEXED BY tasks_message ${SNAPSHOT_JOIN} WHERE t.message_bucket IN (SELECT value FROM json_each(?)) AND t.message_key = ? AND t.agent = ? AND t.tenant = ? AND t.message_id = ? ORDER BY t.created_at DESC LIMIT 1`,
    ),
    // Rows that end after `afterSeq`; each row holds several events, so `limit` rows hold at least `limit` events.
    events: db.prepare<unknown[], EventRow>('SELECT * FROM task_events WHERE task_id = ? AND last_seq > ? ORDER BY seq LIMIT ?'),
    heartbeat: db.prepare(
      'INSERT INTO runtime_replicas (id, started_at, heartbeat_at, hosts) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, hosts = coalesce(excluded.hosts, runtime_replicas.hosts)',
    ),
    replicasSeen: db.prepare<unknown[], { id: string; heartbeat_at: number; hosts: string | null }>('SELECT id, heartbeat_at, hosts FROM runtime_replicas WHERE heartbeat_at >= ?'),
    removeReplica: db.prepare('DELETE FROM runtime_replicas WHERE id = ?'),
    removeSilentReplica: db.prepare('DELETE FROM runtime_replicas WHERE id = ? AND heartbeat_at = ?'),
    orphans: db.prepare<unknown[], TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks t LEFT JOIN runtime_replicas r ON r.id = t.owner ${SNAPSHOT_JOIN} WHERE t.terminal = 0 AND t.owner IS NOT NULL AND (r.id IS NULL OR EXISTS (SELECT 1 FROM json_each(?) j WHERE json_extract(j.value, '$[0]') = r.id AND json_extract(j.value, '$[1]') = r.heartbeat_at)) AND t.id > ? ORDER BY t.id LIMIT ?`,
    ),
    // A task with undelivered push notifications is kept until they settle.
    prunable: db.prepare<unknown[], { id: string }>(
      "SELECT id FROM tasks t WHERE terminal = 1 AND updated_at < ? AND NOT EXISTS (SELECT 1 FROM push_outbox o WHERE o.task_id = t.id AND o.state = 'pending') LIMIT ?",
    ),
    deleteEvents: db.prepare('DELETE FROM task_events WHERE task_id = ?'),
    deleteConfigs: db.prepare('DELETE FROM push_configs WHERE task_id = ?'),
    deleteOutbox: db.prepare('DELETE FROM push_outbox WHERE task_id = ?'),
    deleteTask: db.prepare('DELETE FROM tasks WHERE id = ?'),
    deleteSnapshot: db.prepare('DELETE FROM task_snapshots WHERE task_id = ?'),
    putConfig: db.prepare(
      'INSERT INTO push_configs (task_id, id, tenant, config, protocol, created_at, origin_key) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, id) DO UPDATE SET config = excluded.config, protocol = excluded.protocol, origin_key = excluded.origin_key',
    ),
    getConfig: db.prepare<unknown[], PushConfigRow>('SELECT * FROM push_configs WHERE task_id = ? AND id = ?'),
    listConfigs: db.prepare<unknown[], PushConfigRow>('SELECT * FROM push_configs WHERE task_id = ? ORDER BY created_at, id'),
    deleteConfig: db.prepare('DELETE FROM push_configs WHERE task_id = ? AND id = ?'),
    configsNotSealed: db.prepare<unknown[], PushConfigRow>("SELECT * FROM push_configs WHERE substr(config, 1, 1) = '{' ORDER BY task_id, id LIMIT ?"),
    configsFirst: db.prepare<unknown[], PushConfigRow>('SELECT * FROM push_configs ORDER BY task_id, id LIMIT ?'),
    configsAfter: db.prepare<unknown[], PushConfigRow>('SELECT * FROM push_configs WHERE task_id > ? OR (task_id = ? AND id > ?) ORDER BY task_id, id LIMIT ?'),
    replaceConfig: db.prepare('UPDATE push_configs SET config = ? WHERE task_id = ? AND id = ? AND config = ?'),
    deleteConfigOutbox: db.prepare("DELETE FROM push_outbox WHERE task_id = ? AND config_id = ? AND state = 'pending'"),
    // Settles: only while the row is still the settler's claim (PushStore.markDelivered).
    delivered: db.prepare("UPDATE push_outbox SET state = 'delivered', attempts = attempts + 1, claimed_by = NULL, updated_at = ? WHERE id = ? AND claimed_by = ?"),
    retry: db.prepare('UPDATE push_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_by = NULL, updated_at = ? WHERE id = ? AND claimed_by = ?'),
    dead: db.prepare("UPDATE push_outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, claimed_by = NULL, updated_at = ? WHERE id = ? AND claimed_by = ?"),
    outboxStats: db.prepare<unknown[], { state: string; n: number }>("SELECT state, count(*) AS n FROM push_outbox WHERE state IN ('pending', 'dead') GROUP BY state"),
  };
}
