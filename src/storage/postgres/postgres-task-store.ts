import { deliberateFault } from '../deliberate-faults.js';
import { sql, type Kysely, type PostgresPool, type UpdateObject } from 'kysely';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { packEvents, unpackEvents } from '../event-rows.js';
import { messageBucket, messageBuckets, messageKey } from '../message-key.js';
import { invalidCursor, versionConflict } from '../store-errors.js';
import type { ClaimNextOptions, ClaimOptions, DeadLetteredRow, OriginDown, OutboxRecord, OutboxStats, PushConfigRecord, PushStore, Settle } from '../push-store.js';
import { claimDuePostgres, claimNextPostgres, configsWithoutOriginPostgres, deadLetterOriginPostgres, getCanaryPostgres, markOriginDownPostgres, markOriginUpPostgres, originsDownPostgres, putCanaryIfAbsentPostgres, releaseClaimsOfPostgres, releaseOriginProbePostgres, replaceCanaryPostgres, setConfigOriginPostgres } from './postgres-push-origins.js';
import type { Tables } from '../schema.js';
import { MessageAlreadyStarted, type NewTask, type ReplicaHeartbeat, type ReplicaRecord, type TaskAppend, type TaskEventRecord, type TaskListPage, type TaskListQuery, type TaskRecord, type TaskStore } from '../task-store.js';
import { WriteBatcher } from './write-batcher.js';
import { hasLanded } from './landed-write.js';
import { parseTaskRow, toPushConfig, toTask } from '../task-rows.js';

/** Transactional outbox: one row per (config, event), committed with the events. */
async function enqueuePushes(trx: Kysely<Tables>, taskId: string, seqs: number[], now: number): Promise<void> {
  await sql`INSERT INTO push_outbox (task_id, config_id, seq, state, attempts, next_attempt_at, created_at, updated_at)
    SELECT c.task_id, c.id, s.seq, 'pending', 0, ${now}, ${now}, ${now}
    FROM push_configs c CROSS JOIN unnest(${seqs}::int[]) AS s(seq)
    WHERE c.task_id = ${taskId}
    ORDER BY s.seq, c.id`.execute(trx);
}

/** How often a replica makes sure the coming days' partitions exist, ms. */
const PARTITIONS_CHECK_MS = 3_600_000;
/** Days of partitions kept ready: today and the two after it. */
const PARTITION_DAYS_AHEAD = 3;

/**
 * The task store on PostgreSQL, for replicas that share state. The version
 * check in the UPDATE makes concurrent writers from different replicas safe
 * without row locks held across awaits. With `pool` (the database's own),
 * creates, appends and retried-send lookups are group-committed: those that
 * arrive together share one round trip and one commit (write-batcher.ts,
 * ADR 0022); without it, and whenever a batch fails, each is its own
 * transaction.
 */
export class PostgresTaskStore implements TaskStore, PushStore {
  #db: Kysely<Tables>;
  #batcher: WriteBatcher | undefined;
  #partitionsEnsuredAt = Number.NEGATIVE_INFINITY;

  constructor(options: { db: Kysely<Tables>; pool?: PostgresPool | undefined }) {
    this.#db = options.db;
    this.#batcher = options.pool
      ? new WriteBatcher({
          pool: options.pool,
          toTask: (row) => toTask(parseTaskRow(row)),
          lone: {
            lookup: (w) => this.#findByMessage(w.agent, w.tenant, w.messageId, w.now),
            create: (w) => this.#create(w.task),
            append: (w) => this.#append(w.change),
            landed: (w) => hasLanded(this.#db, w),
          },
        })
      : undefined;
  }

  create(task: NewTask): Promise<void> {
    return this.#batcher ? this.#batcher.submit({ kind: 'create', task }) : this.#create(task);
  }

  append(change: TaskAppend): Promise<void> {
    return this.#batcher ? this.#batcher.submit({ kind: 'append', change }) : this.#append(change);
  }

  findByMessage(agent: string, tenant: string, messageId: string, now: number): Promise<TaskRecord | undefined> {
    return this.#batcher ? this.#batcher.submit({ kind: 'lookup', agent, tenant, messageId, now }) : this.#findByMessage(agent, tenant, messageId, now);
  }

  async #create(task: NewTask): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await scopeTo(trx, task.tenant);
      if (task.messageId !== null && task.messageIdReused !== true) await claimMessage(trx, task);
      await trx
        .insertInto('tasks')
        .values({
          id: task.id,
          agent: task.agent,
          tenant: task.tenant,
          context_id: task.contextId,
          state: task.state,
          skill: task.skill,
          message_id: task.messageId,
          message_key: task.messageId === null ? null : messageKey(task.agent, task.tenant, task.messageId),
          message_bucket: task.messageId === null ? null : messageBucket(task.now),
          version: task.events.length,
          last_seq: task.events.length === 0 ? 0 : task.events[task.events.length - 1]!.seq,
          snapshot: task.snapshot,
          owner: task.owner,
          idempotent: task.idempotent ? 1 : 0,
          terminal: task.terminal ? 1 : 0,
          created_at: task.now,
          updated_at: task.now,
        })
        .execute();
      if (task.events.length > 0) await trx.insertInto('task_events').values(packEvents(task.id, task.events, task.now)).execute();
      if (task.pushConfigured && task.events.length > 0 && !deliberateFault('outbox-outside-transaction')) await enqueuePushes(trx, task.id, task.events.map((e) => e.seq), task.now);
    });
    // Only in a build broken on purpose for tests: the outbox rows after the commit, in a transaction of their own.
    if (task.pushConfigured && task.events.length > 0 && deliberateFault('outbox-outside-transaction')) await this.#db.transaction().execute(async (trx) => {
        await scopeTo(trx, task.tenant);
        await enqueuePushes(trx, task.id, task.events.map((e) => e.seq), task.now);
      });
  }

  async #append(change: TaskAppend): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (change.tenant !== undefined) await scopeTo(trx, change.tenant);
      const lastSeq = change.events.length === 0 ? -1 : change.events[change.events.length - 1]!.seq;
      const result = await trx
        .updateTable('tasks')
        .set({
          state: change.state,
          ...(change.snapshot === undefined ? {} : { snapshot: change.snapshot }),
          terminal: change.terminal ? 1 : 0,
          last_seq: sql<number>`greatest(last_seq, ${lastSeq})`,
          updated_at: change.now,
          version: sql<number>`version + 1`,
          ...(change.owner === undefined ? {} : { owner: change.owner }),
        })
        .where('id', '=', change.taskId)
        // The fence against a writer whose lease was taken over; off only in a build broken on purpose for tests.
        .$if(!deliberateFault('fencing-off'), (q) => q.where('version', '=', change.expectedVersion))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw versionConflict(change.taskId, change.expectedVersion);
      if (change.events.length === 0) return;
      await trx
        .insertInto('task_events')
        .values(packEvents(change.taskId, change.events, change.now))
        .$if(deliberateFault('fencing-off'), (q) => q.onConflict((oc) => oc.doNothing()))
        .execute();
      if (!deliberateFault('outbox-outside-transaction')) await enqueuePushes(trx, change.taskId, change.events.map((e) => e.seq), change.now);
    });
    // Only in a build broken on purpose for tests: the outbox rows after the commit, in a transaction of their own.
    if (change.events.length > 0 && deliberateFault('outbox-outside-transaction')) await this.#db.transaction().execute(async (trx) => {
        if (change.tenant !== undefined) await scopeTo(trx, change.tenant);
        await enqueuePushes(trx, change.taskId, change.events.map((e) => e.seq), change.now);
      });
  }

  async get(id: string, tenant?: string): Promise<TaskRecord | undefined> {
    const row =
      tenant === undefined
        ? await this.#db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst()
        : await asTenant(this.#db, tenant, (trx) => trx.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst());
    return row ? toTask(row) : undefined;
  }

  async #findByMessage(agent: string, tenant: string, messageId: string, now: number): Promise<TaskRecord | undefined> {
    const row = await this.#db
      .selectFrom('tasks')
      .selectAll()
      .where('message_bucket', 'in', messageBuckets(now))
      .where('message_key', '=', messageKey(agent, tenant, messageId))
      .where('agent', '=', agent)
      .where('tenant', '=', tenant)
      .where('message_id', '=', messageId)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row ? toTask(row) : undefined;
  }

  async list(query: TaskListQuery): Promise<TaskListPage> {
    return asTenant(this.#db, query.tenant, (trx) => this.#list(trx, query));
  }

  async #list(db: Kysely<Tables>, query: TaskListQuery): Promise<TaskListPage> {
    let base = db.selectFrom('tasks').where('agent', '=', query.agent).where('tenant', '=', query.tenant);
    if (query.contextId !== undefined) base = base.where('context_id', '=', query.contextId);
    if (query.state !== undefined) base = base.where('state', '=', query.state);
    if (query.updatedAfter !== undefined) base = base.where('updated_at', '>=', query.updatedAfter);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    let page = base;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      if (!cursor) throw invalidCursor();
      page = page.where((eb) => eb.or([eb('updated_at', '<', cursor.updatedAt), eb.and([eb('updated_at', '=', cursor.updatedAt), eb('id', '<', cursor.id)])]));
    }
    const rows = await page.selectAll().orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(query.pageSize + 1).execute();
    const more = rows.length > query.pageSize;
    const tasks = (more ? rows.slice(0, query.pageSize) : rows).map(toTask);
    const last = tasks[tasks.length - 1];
    return { tasks, totalSize: Number(n), nextCursor: more && last ? encodeCursor({ updatedAt: last.updatedAt, id: last.id }) : '' };
  }

  async events(taskId: string, afterSeq: number, limit: number): Promise<TaskEventRecord[]> {
    const rows = await this.#db.selectFrom('task_events').selectAll().where('task_id', '=', taskId).where('last_seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return unpackEvents(rows, afterSeq, limit);
  }

  async heartbeat(replicaId: string, now: number, hosts?: string): Promise<void> {
    if (now - this.#partitionsEnsuredAt >= PARTITIONS_CHECK_MS) {
      // Days ahead exist before their first write (migration 0016); a replica checks hourly, a cheap catalog lookup.
      await sql`select agentmesh_ensure_task_partitions((to_timestamp(${now / 1000}) at time zone 'UTC')::date, ${PARTITION_DAYS_AHEAD})`.execute(this.#db);
      this.#partitionsEnsuredAt = now;
    }
    await this.#db
      .insertInto('runtime_replicas')
      .values({ id: replicaId, started_at: now, heartbeat_at: now, hosts: hosts ?? null })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now, ...(hosts !== undefined && { hosts }) }))
      .execute();
  }

  async replicasSeen(since: number): Promise<ReplicaRecord[]> {
    const rows = await this.#db.selectFrom('runtime_replicas').select(['id', 'heartbeat_at', 'hosts']).where('heartbeat_at', '>=', since).execute();
    return rows.map((r) => ({ id: r.id, heartbeatAt: Number(r.heartbeat_at), hosts: r.hosts }));
  }

  async removeReplica(replicaId: string, heartbeatAt?: number): Promise<void> {
    let remove = this.#db.deleteFrom('runtime_replicas').where('id', '=', replicaId);
    if (heartbeatAt !== undefined) remove = remove.where('heartbeat_at', '=', heartbeatAt);
    await remove.execute();
  }

  async orphans(stale: readonly ReplicaHeartbeat[], limit: number, afterId = ''): Promise<TaskRecord[]> {
    const ids = stale.map((r) => r.id);
    const beats = stale.map((r) => r.heartbeatAt);
    const rows = await this.#db
      .selectFrom('tasks as t')
      .leftJoin('runtime_replicas as r', 'r.id', 't.owner')
      .selectAll('t')
      .where('t.terminal', '=', 0)
      .where('t.owner', 'is not', null)
      .where((eb) =>
        stale.length === 0
          ? eb('r.id', 'is', null)
          : eb.or([eb('r.id', 'is', null), sql<boolean>`(r.id, r.heartbeat_at) in (select * from unnest(${ids}::text[], ${beats}::bigint[]))`]),
      )
      .where('t.id', '>', afterId)
      .orderBy('t.id')
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  async prune(before: number, limit: number): Promise<number> {
    // Whole days first, one DROP each (migration 0016); then what lives outside them (DEFAULT, days not yet wholly done), row by row.
    const { rows } = await sql<{ dropped_tasks: number }>`select dropped_tasks from agentmesh_drop_task_partitions(${before})`.execute(this.#db);
    const dropped = rows.reduce((n, r) => n + Number(r.dropped_tasks), 0);
    return dropped + (await this.#pruneRows(before, limit));
  }

  async #pruneRows(before: number, limit: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const ids = (
        await trx
          .selectFrom('tasks as t')
          .select('t.id')
          .where('t.terminal', '=', 1)
          .where('t.updated_at', '<', before)
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('push_outbox as o').select('o.id').whereRef('o.task_id', '=', 't.id').where('o.state', '=', 'pending'))))
          .limit(limit)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('task_events').where('task_id', 'in', ids).execute();
      await trx.deleteFrom('push_configs').where('task_id', 'in', ids).execute();
      await trx.deleteFrom('push_outbox').where('task_id', 'in', ids).execute();
      await trx.deleteFrom('tasks').where('id', 'in', ids).execute();
      return ids.length;
    });
  }

  async putConfig(c: PushConfigRecord): Promise<void> {
    await this.#db
      .insertInto('push_configs')
      .values({ task_id: c.taskId, id: c.id, tenant: c.tenant, config: c.config, protocol: c.protocol, created_at: c.createdAt, origin_key: c.originKey ?? null })
      .onConflict((oc) => oc.columns(['task_id', 'id']).doUpdateSet({ config: c.config, protocol: c.protocol, origin_key: c.originKey ?? null }))
      .execute();
  }

  async getConfig(taskId: string, id: string): Promise<PushConfigRecord | undefined> {
    const row = await this.#db.selectFrom('push_configs').selectAll().where('task_id', '=', taskId).where('id', '=', id).executeTakeFirst();
    return row ? toPushConfig(row) : undefined;
  }

  async listConfigs(taskId: string): Promise<PushConfigRecord[]> {
    const rows = await this.#db.selectFrom('push_configs').selectAll().where('task_id', '=', taskId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPushConfig);
  }

  async configsNotSealed(limit: number): Promise<PushConfigRecord[]> {
    const rows = await this.#db.selectFrom('push_configs').selectAll().where(sql<boolean>`left(config, 1) = '{'`).orderBy('task_id').orderBy('id').limit(limit).execute();
    return rows.map(toPushConfig);
  }

  async configsAfter(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
    let query = this.#db.selectFrom('push_configs').selectAll();
    if (after) query = query.where(sql<boolean>`(task_id, id) > (${after.taskId}, ${after.id})`);
    const rows = await query.orderBy('task_id').orderBy('id').limit(limit).execute();
    return rows.map(toPushConfig);
  }

  configsWithoutOrigin(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
    return configsWithoutOriginPostgres(this.#db, after, limit);
  }

  setConfigOrigin(taskId: string, id: string, config: string, originKey: string): Promise<boolean> {
    return setConfigOriginPostgres(this.#db, taskId, id, config, originKey);
  }

  async replaceConfig(taskId: string, id: string, from: string, to: string): Promise<boolean> {
    const r = await this.#db.updateTable('push_configs').set({ config: to }).where('task_id', '=', taskId).where('id', '=', id).where('config', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteConfig(taskId: string, id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('push_configs').where('task_id', '=', taskId).where('id', '=', id).executeTakeFirst();
      await trx.deleteFrom('push_outbox').where('task_id', '=', taskId).where('config_id', '=', id).where('state', '=', 'pending').execute();
      return Number(r.numDeletedRows) > 0;
    });
  }

  claimDue(o: ClaimOptions): Promise<OutboxRecord[]> {
    return claimDuePostgres(this.#db, o);
  }

  claimNext(taskId: string, configId: string, o: ClaimNextOptions): Promise<OutboxRecord | undefined> {
    return claimNextPostgres(this.#db, taskId, configId, o);
  }

  async markDelivered(id: number, o: Settle): Promise<boolean> {
    return this.#settle(id, o.owner, { state: 'delivered', attempts: sql`attempts + 1`, claimed_by: null, updated_at: o.now });
  }

  async markRetry(id: number, o: Settle & { nextAttemptAt: number; error: string }): Promise<boolean> {
    return this.#settle(id, o.owner, { attempts: sql`attempts + 1`, next_attempt_at: o.nextAttemptAt, last_error: o.error, claimed_by: null, updated_at: o.now });
  }

  async markDead(id: number, o: Settle & { error: string }): Promise<boolean> {
    return this.#settle(id, o.owner, { state: 'dead', attempts: sql`attempts + 1`, last_error: o.error, claimed_by: null, updated_at: o.now });
  }

  async #settle(id: number, owner: string, set: UpdateObject<Tables, 'push_outbox'>): Promise<boolean> {
    const result = await this.#db.updateTable('push_outbox').set(set).where('id', '=', id).where('claimed_by', '=', owner).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }


  async stats(): Promise<OutboxStats> {
    const rows = await this.#db
      .selectFrom('push_outbox')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'in', ['pending', 'dead'])
      .groupBy('state')
      .execute();
    return { pending: Number(rows.find((r) => r.state === 'pending')?.n ?? 0), dead: Number(rows.find((r) => r.state === 'dead')?.n ?? 0) };
  }

  markOriginDown(originKey: string, o: OriginDown): Promise<number> {
    return markOriginDownPostgres(this.#db, originKey, o);
  }

  markOriginUp(originKey: string): Promise<void> {
    return markOriginUpPostgres(this.#db, originKey);
  }

  releaseClaimsOf(silent: readonly ReplicaHeartbeat[]): Promise<number> {
    return releaseClaimsOfPostgres(this.#db, silent);
  }

  releaseOriginProbe(originKey: string): Promise<void> {
    return releaseOriginProbePostgres(this.#db, originKey);
  }

  deadLetterOrigin(originKey: string, o: { createdBefore: number; error: string; now: number }): Promise<DeadLetteredRow[]> {
    return deadLetterOriginPostgres(this.#db, originKey, o);
  }

  originsDown(): Promise<number> {
    return originsDownPostgres(this.#db);
  }

  getCanary(name: string): Promise<string | undefined> {
    return getCanaryPostgres(this.#db, name);
  }

  putCanaryIfAbsent(name: string, value: string, now: number): Promise<string> {
    return putCanaryIfAbsentPostgres(this.#db, name, value, now);
  }

  replaceCanary(name: string, from: string, to: string): Promise<boolean> {
    return replaceCanaryPostgres(this.#db, name, from, to);
  }
}

/**
 * Runs `work` in a transaction scoped to `tenant` (`agentmesh.scope =
 * 'tenant'`, `agentmesh.tenant`): the row-level security policy of migration
 * 0009 then shows that tenant's rows only, whatever the query's own WHERE
 * says, and overrides the pool's cross-tenant marker. The scope names '' too
 * (the no-tenant mode), which `agentmesh.tenant` alone cannot: unset and ''
 * read the same. `set_config(…, true)` is transaction-local, so a pooled
 * connection never carries it to the next use.
 */
async function asTenant<T>(db: Kysely<Tables>, tenant: string, work: (trx: Kysely<Tables>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await scopeTo(trx, tenant);
    return work(trx);
  });
}

/** The transaction-local tenant marker of {@link asTenant}, inside a transaction already open. */
/** The SQLSTATE migration 0030's claim function raises when a messageId started a task already (its DETAIL names it). */
const MESSAGE_STARTED = 'AMMSG';

/**
 * A new task's claim on its messageId, in its create's transaction (migration 0030): refused as
 * {@link MessageAlreadyStarted} when another task of the same message was created since the send looked
 * the id up. The batch path makes the same claim in its text (write-batch.ts); a batch refused is
 * retried write by write, and its create arrives here.
 */
async function claimMessage(trx: Kysely<Tables>, task: NewTask): Promise<void> {
  try {
    await sql`select agentmesh_claim_messages(${task.tenant}, ${[task.id]}::text[], ${[messageKey(task.agent, task.tenant, task.messageId!)]}::bigint[], ${[task.agent]}::text[], ${[task.messageId]}::text[], ${messageBuckets(task.now)}::int[])`.execute(trx);
  } catch (err) {
    const pg = err as { code?: unknown; detail?: unknown };
    if (pg.code === MESSAGE_STARTED && typeof pg.detail === 'string') throw new MessageAlreadyStarted(task.messageId!, pg.detail, { cause: err });
    throw err;
  }
}

async function scopeTo(trx: Kysely<Tables>, tenant: string): Promise<void> {
  await sql`select set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', ${tenant}, true)`.execute(trx);
}
