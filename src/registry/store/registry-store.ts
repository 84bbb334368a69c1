import { sql, type InsertObject, type Insertable, type Kysely } from 'kysely';
import type { AgentmeshError} from '../../protocol/index.js';
import { Errors } from '../../protocol/index.js';
import { schemaAdvisoryLockSql, type Database, type Tables } from '../../storage/index.js';
import type { AgentConfigVersion, AgentHealth, AgentInstance, AgentRecord, RegistryChange, RegistryChangeKind } from '../../contracts/registry/index.js';
import { cardToJsonText, recordJsonTextBeforeCard, recordToJsonText } from '../../contracts/registry/index.js';
import { deriveAgentHealth } from './health.js';
import { changeFromRow, configFromRow, instanceFromRow, objectColumn, recordFromRow, rowFromRecord } from './rows.js';
import { reviewFromRow, rowFromNewReview, type NewReview, type ReviewOutcome, type StoredReview } from './review-rows.js';

/** A transaction's statements: Kysely's transaction on SQLite, its connection with a `begin` sent on PostgreSQL. */
type Trx = Kysely<Tables>;

/** A write's body: given the transaction, the time it commits at, and where to log its changes. */
type WriteWork<T> = (trx: Trx, now: number, log: (change: PendingChange) => void) => Promise<T>;

/** A write waiting for its group's commit. */
interface QueuedWrite {
  work: WriteWork<unknown>;
  /**
   * Set for one agent's write: batched with its group mates (one read for the group, one insert
   * for the new agents), no savepoint of its own. Its decision is the only part of it that can
   * refuse before anything is written, so a refusal is isolated without one.
   */
  agent?: AgentWrite;
  resolve(outcome: { result: unknown; changes: RegistryChange[] }): void;
  reject(err: unknown): void;
}

/** One agent's write, as {@link RegistryStore.writeAgent} takes it. */
interface AgentWrite {
  name: string;
  decide: AgentDecision;
  instance?: NewInstance | undefined;
}

/** A write's outcome inside its group: its result and the changes it logs, or why it was refused. */
type Settled =
  | { write: QueuedWrite; ok: true; result: unknown; now: number; pending: PendingChange[]; changes?: RegistryChange[] }
  | { write: QueuedWrite; ok: false; error: unknown };

/** A decision that refused: the write fails alone, nothing of it having been written. */
class Refusal {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** A group's batched run failed before its commit: it runs again one write at a time. */
class BatchFailed {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** Rows per multi-row insert: far under SQLite's 32,766 bound parameters and a sensible query size. */
const ROWS_PER_INSERT = 200;

/**
 * The agent reads and writes of one group in few statements: the agents the
 * group's writes name are read with one query; new agents' rows wait here and
 * go in one multi-row insert, sent before any other statement (so every
 * statement sees the writes before it, as it would one at a time).
 */
class AgentBatch {
  /** Agents read ahead for the writes to come, `undefined` for none of that name; a name written since is gone. */
  readonly #known = new Map<string, AgentRecord | undefined>();
  #rows: Array<Insertable<Tables['registry_agents']>> = [];

  /** Reads every name not read yet in one query. */
  async readAhead(trx: Trx, names: readonly string[]): Promise<void> {
    const wanted = [...new Set(names)].filter((name) => !this.#known.has(name));
    if (wanted.length === 0) return;
    await this.flush(trx);
    for (const name of wanted) this.#known.set(name, undefined);
    for (let i = 0; i < wanted.length; i += ROWS_PER_INSERT) {
      const rows = await trx.selectFrom('registry_agents').selectAll().where('name', 'in', wanted.slice(i, i + ROWS_PER_INSERT)).execute();
      for (const row of rows) this.#known.set(row.name, recordFromRow(row));
    }
  }

  /** The agent as the writes before this one left it. */
  async read(trx: Trx, name: string): Promise<AgentRecord | undefined> {
    if (this.#known.has(name)) return this.#known.get(name);
    await this.flush(trx);
    const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
    return row && recordFromRow(row);
  }

  /** A new agent's row, inserted with the group's others. */
  insert(row: Insertable<Tables['registry_agents']>): void {
    this.#known.delete(row.name);
    this.#rows.push(row);
  }

  /** `name` is about to change by a statement of its own (or any agent, without a name): read it again next time. */
  forget(name?: string): void {
    if (name === undefined) this.#known.clear();
    else this.#known.delete(name);
  }

  /** The rows waiting, handed to the caller to insert (the group's last statement carries them). */
  take(): Array<Insertable<Tables['registry_agents']>> {
    const rows = this.#rows;
    this.#rows = [];
    return rows;
  }

  async flush(trx: Trx): Promise<void> {
    const rows = this.take();
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await trx.insertInto('registry_agents').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
  }
}

/** What a write callback decided: the change to log, if any. */
interface PendingChange {
  kind: RegistryChangeKind;
  agent: string;
  record?: AgentRecord;
  detail?: Record<string, unknown>;
}

/** What an agent's write decided. */
export interface AgentOutcome {
  /** The next record: `null` deletes it; the `current` object itself leaves the row and the log alone (only `ownershipCheckAt` is written). */
  record: AgentRecord | null;
  kind: RegistryChangeKind;
  detail?: Record<string, unknown>;
  /** When the ownership claim is next checked (epoch ms; `null`: no claim); absent leaves it as it is. */
  ownershipCheckAt?: number | null;
  /**
   * A change held for review: its row is written (a pending one of the agent
   * superseded), and the write's instance is not added (it would take calls
   * before anyone approved the card that names it).
   */
  review?: NewReview;
}

/** Given the agent's record as stored (or none), what to write; `undefined` changes nothing. */
export type AgentDecision = (current: AgentRecord | undefined, now: number) => AgentOutcome | undefined;

/** Given a pending review and its agent's record, how the review ends and what the record becomes. */
export type ReviewDecider = (review: StoredReview, current: AgentRecord | undefined, now: number) => { outcome: ReviewOutcome; agent: AgentOutcome };

/** New instance fields; the store fills ids, leases and probe state. */

export interface NewInstance {
  id: string;
  url: string;
  region?: string | undefined;
  version?: string | undefined;
  capacity?: number | undefined;
  kind: 'leased' | 'static';
  leaseTtlMs?: number | undefined;
}

/** One probe's outcome. */
export interface ProbeOutcome {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** A probe history point. */
export interface ProbePoint {
  at: string;
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** An instance claimed for probing by this replica. */
export interface DueProbe {
  id: string;
  agent: string;
  url: string;
  kind: 'leased' | 'static';
  consecutiveFailures: number;
}

/** The registry writers' lock, per schema (the audit chain's is 7_311_005). */
export const REGISTRY_WRITE_LOCK = schemaAdvisoryLockSql(7_311_001);
/** Own committed changes kept for the feed's read-back (a few seconds of writes at full rate). */
const RECENT_CHANGES = 4_096;

/**
 * The registry's tables through Kysely, for SQLite and PostgreSQL alike.
 * Every write runs in one transaction that also appends to the change log,
 * so the log is exactly the sequence of committed writes. Writers take one
 * lock first (a Postgres advisory lock of the schema; on SQLite, the write lock), so log
 * sequence numbers commit in order and a replica tailing the log never
 * skips a change that commits late.
 */
export class RegistryStore {
  readonly #db: Kysely<Tables>;
  readonly #dialect: 'sqlite' | 'postgres';
  #queued: QueuedWrite[] = [];
  /** A group is committing: the writes queued meanwhile wait for it, then form the next group. */
  #committing = false;
  /**
   * Changes this process committed, by seq, the newest {@link RECENT_CHANGES}: the change feed reads
   * every change back from the log, and one written here need not be parsed again (a card's
   * conversion is most of a registration's cost in the feed).
   */
  readonly #recent = new Map<number, RegistryChange>();
  /**
   * The card text of each agent's row as the group committing last wrote or read it (`null`: the
   * row deleted), so that a change whose card is that text has its card copied into the log by the
   * database instead of sent again (see {@link #logChanges}). Cleared when a savepoint is rolled
   * back: the rows are then as they were before that write, which this may no longer say. A map
   * per group, dropped with it: one kept for the process would live long at the rate of writes.
   */
  #rowCards = new Map<string, string | null>();

  constructor(database: Database) {
    this.#db = database.db;
    this.#dialect = database.dialect;
  }

  // ---- agents ----------------------------------------------------------

  async getAgent(name: string): Promise<AgentRecord | undefined> {
    const row = await this.#db.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
    return row && recordFromRow(row);
  }

  async allAgents(): Promise<AgentRecord[]> {
    const rows = await this.#db.selectFrom('registry_agents').selectAll().orderBy('name').execute();
    return rows.map(recordFromRow);
  }

  /**
   * Reads the agent, lets `decide` produce the next record (or `null` to
   * delete it, `undefined` for no change), writes it and logs the change.
   */
  async writeAgent(
    name: string,
    decide: AgentDecision,
    options: { instance?: NewInstance | undefined } = {},
  ): Promise<{ record: AgentRecord | undefined; changes: RegistryChange[] }> {
    const write: AgentWrite = { name, decide, instance: options.instance };
    const { result, changes } = await this.#write((trx, now, log) => this.#writeAgent(trx, now, log, write), write);
    return { record: result, changes };
  }

  /**
   * {@link writeAgent} for several agents in one transaction: all commit or
   * none does (the agents of one ACP server are registered together).
   */
  async writeAgents(writes: ReadonlyArray<{ name: string; decide: AgentDecision; instance?: NewInstance | undefined }>): Promise<{ records: Array<AgentRecord | undefined>; changes: RegistryChange[] }> {
    return this.#write(async (trx, now, log) => {
      const records: Array<AgentRecord | undefined> = [];
      for (const write of writes) records.push(await this.#writeAgent(trx, now, log, write));
      return records;
    }).then(({ result, changes }) => ({ records: result, changes }));
  }

  /**
   * One agent's write. With `batch` (its group's), the read comes from the group's and a new
   * agent's row waits for the group's insert; a refusal of `decide` is thrown as a {@link Refusal}.
   */
  async #writeAgent(trx: Trx, now: number, log: (change: PendingChange) => void, { name, decide, instance }: AgentWrite, batch?: AgentBatch): Promise<AgentRecord | undefined> {
    let current: AgentRecord | undefined;
    if (batch) current = await batch.read(trx, name);
    else {
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
      current = row && recordFromRow(row);
    }
    let next: ReturnType<AgentDecision>;
    try {
      next = decide(current, now);
    } catch (err) {
      throw batch ? new Refusal(err) : err;
    }
    if (next === undefined) return current;
    // A new agent with the health of no instances, no instance given: its row is all it writes.
    const asked = current !== undefined || (next.record !== null && next.record.health !== deriveAgentHealth([], now));
    if (next.record !== null && next.record === current) {
      // Nothing of the record changed: at most when its claim is checked next.
      if (next.ownershipCheckAt !== undefined) {
        // Its row may be among the group's inserts still waiting.
        await batch?.flush(trx);
        await trx.updateTable('registry_agents').set({ ownership_check_at: next.ownershipCheckAt }).where('name', '=', name).execute();
      }
      return current;
    }
    if (batch && next.record !== null && !asked && instance === undefined && next.review === undefined) {
      const row = { ...rowFromRecord(next.record), ...(next.ownershipCheckAt !== undefined && { ownership_check_at: next.ownershipCheckAt }) };
      batch.insert(row);
      this.#rowCards.set(name, row.card);
      log({ kind: next.kind, agent: name, record: next.record, ...(next.detail && { detail: next.detail }) });
      return next.record;
    }
    if (batch) {
      await batch.flush(trx);
      batch.forget(name);
    }
    if (next.record === null) {
      await trx.deleteFrom('registry_agents').where('name', '=', name).execute();
      await trx.deleteFrom('registry_instances').where('agent', '=', name).execute();
      await trx.deleteFrom('registry_configs').where('agent', '=', name).execute();
      // A change held for an agent that is gone has nothing left to change.
      await trx.updateTable('registry_reviews').set({ state: 'withdrawn', decided_at: now }).where('agent', '=', name).where('state', '=', 'pending').execute();
      this.#rowCards.set(name, null);
      log({ kind: next.kind, agent: name, ...(next.detail && { detail: next.detail }) });
      return undefined;
    }
    const nextRow = { ...rowFromRecord(next.record), ...(next.ownershipCheckAt !== undefined && { ownership_check_at: next.ownershipCheckAt }) };
    if (next.review !== undefined) await this.#holdReview(trx, name, next.review, now);
    if (current) await trx.updateTable('registry_agents').set(nextRow).where('name', '=', name).execute();
    else await trx.insertInto('registry_agents').values(nextRow).execute();
    this.#rowCards.set(name, nextRow.card);
    // Health follows the instances already there (a re-registered agent keeps them). The row
    // just written is `next.record`: it is not read back and parsed again. A new agent has no
    // instances (they go with its row, and one is added only to an agent that exists, both under
    // the writers' lock): when its record already says the health of none, nothing is read.
    const record = asked ? ((await this.#refreshHealth(trx, name, now, () => undefined, next.record)) ?? next.record) : next.record;
    log({ kind: next.kind, agent: name, record, ...(next.detail && { detail: next.detail }) });
    // The record and its endpoint commit together: a registration refused half-way leaves nothing.
    if (instance && next.review === undefined) {
      await this.#putInstance(trx, name, instance, now, log);
      return (await this.#refreshHealth(trx, name, now, () => undefined)) ?? record;
    }
    return record;
  }

  /** Supersedes the agent's pending review, if any, and writes this one. */
  async #holdReview(trx: Trx, name: string, review: NewReview, now: number): Promise<void> {
    await trx.updateTable('registry_reviews').set({ state: 'superseded', decided_at: now }).where('agent', '=', name).where('state', '=', 'pending').execute();
    await trx.insertInto('registry_reviews').values(rowFromNewReview(name, review, now)).execute();
  }

  // ---- reviews ---------------------------------------------------------

  async getReview(id: string): Promise<StoredReview | undefined> {
    const row = await this.#db.selectFrom('registry_reviews').selectAll().where('id', '=', id).executeTakeFirst();
    return row && reviewFromRow(row);
  }

  /** Reviews in `state`, of one agent or all, oldest first. */
  async listReviews(query: { state: StoredReview['state']; agent?: string | undefined; limit: number }): Promise<StoredReview[]> {
    let select = this.#db.selectFrom('registry_reviews').selectAll().where('state', '=', query.state);
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    const rows = await select.orderBy('submitted_at').orderBy('id').limit(query.limit).execute();
    return rows.map(reviewFromRow);
  }

  /**
   * Ends a review and writes its agent's record in one transaction: `decide`
   * sees the review and the record as stored, under the writers' lock (a
   * review decided twice at once is decided once). An approval's `updated`
   * is followed in the log by a `review_decided`; `instance` is added with
   * the record (the static instance of an approved card's new URL).
   */
  async decideReview(id: string, decide: ReviewDecider, options: { instance?: NewInstance | undefined } = {}): Promise<{ review: StoredReview; record: AgentRecord | undefined; changes: RegistryChange[] }> {
    const { result, changes } = await this.#write(async (trx, now, log) => {
      const row = await trx.selectFrom('registry_reviews').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw Errors.registryReviewNotFound({ id });
      const stored = reviewFromRow(row);
      let outcome: ReviewOutcome | undefined;
      let kind: RegistryChangeKind | undefined;
      const record = await this.#writeAgent(trx, now, log, {
        name: stored.agent,
        instance: options.instance,
        decide: (current, at) => {
          const decided = decide(stored, current, at);
          outcome = decided.outcome;
          kind = decided.agent.kind;
          return decided.agent;
        },
      });
      const ended = outcome!;
      await trx
        .updateTable('registry_reviews')
        .set({ state: ended.state, decided_at: now, decided_by: ended.decidedBy ?? null, on_behalf_of: ended.onBehalfOf ?? null, reason: ended.reason ?? null })
        .where('id', '=', id)
        .execute();
      if (kind !== 'review_decided') log({ kind: 'review_decided', agent: stored.agent, ...(record && { record }), detail: { review: id, decision: ended.state } });
      const review: StoredReview = { ...stored, state: ended.state, decidedAt: now, ...(ended.decidedBy !== undefined && { decidedBy: ended.decidedBy }), ...(ended.onBehalfOf !== undefined && { onBehalfOf: ended.onBehalfOf }), ...(ended.reason !== undefined && { reason: ended.reason }) };
      return { review, record };
    });
    return { ...result, changes };
  }

  // ---- ownership -------------------------------------------------------

  /**
   * Claims up to `limit` agents whose ownership check is due (or `only` that
   * one, whenever due): another replica cannot claim them for `claimMs`.
   * `force` claims `only` even when its check is not due (a check asked for).
   */
  async claimOwnershipChecks(limit: number, claimMs: number, options: { only?: string; force?: boolean } = {}): Promise<string[]> {
    const now = Date.now();
    let select = this.#db.selectFrom('registry_agents').select(['name', 'ownership_check_at']).where('ownership_check_at', 'is not', null);
    if (options.only !== undefined) select = select.where('name', '=', options.only);
    if (options.force !== true) select = select.where('ownership_check_at', '<=', now);
    const rows = await select.orderBy('ownership_check_at').limit(limit).execute();
    const claimed: string[] = [];
    for (const row of rows) {
      const result = await this.#db
        .updateTable('registry_agents')
        .set({ ownership_check_at: now + claimMs })
        .where('name', '=', row.name)
        .where('ownership_check_at', '=', row.ownership_check_at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) claimed.push(row.name);
    }
    return claimed;
  }

  // ---- instances -------------------------------------------------------

  async listInstances(agent: string, now = Date.now()): Promise<AgentInstance[]> {
    const rows = await this.#db.selectFrom('registry_instances').selectAll().where('agent', '=', agent).orderBy('registered_at').orderBy('id').execute();
    return rows.map((r) => instanceFromRow(r, now));
  }

  /** The instances of several agents in one query, by agent (an agent without any maps to an empty list). */
  async listInstancesOf(agents: readonly string[], now = Date.now()): Promise<Map<string, AgentInstance[]>> {
    const byAgent = new Map<string, AgentInstance[]>(agents.map((agent) => [agent, []]));
    if (agents.length === 0) return byAgent;
    const rows = await this.#db.selectFrom('registry_instances').selectAll().where('agent', 'in', agents).orderBy('agent').orderBy('registered_at').orderBy('id').execute();
    for (const row of rows) byAgent.get(row.agent)?.push(instanceFromRow(row, now));
    return byAgent;
  }

  /** Adds (or, for the same agent and URL, renews) an instance. */
  async addInstance(agent: string, input: NewInstance): Promise<{ instance: AgentInstance; changes: RegistryChange[] }> {
    const { result, changes } = await this.#write(async (trx, now, log) => {
      await this.#requireAgent(trx, agent);
      return this.#putInstance(trx, agent, input, now, log);
    });
    return { instance: result, changes };
  }

  async #putInstance(trx: Trx, agent: string, input: NewInstance, now: number, log: (change: PendingChange) => void): Promise<AgentInstance> {
    const existing = await trx.selectFrom('registry_instances').select('id').where('agent', '=', agent).where('url', '=', input.url).executeTakeFirst();
    const values: Insertable<Tables['registry_instances']> = {
      id: existing?.id ?? input.id,
      agent,
      url: input.url,
      region: input.region ?? null,
      version: input.version ?? null,
      capacity: input.capacity ?? null,
      kind: input.kind,
      lease_ttl_ms: input.kind === 'leased' ? (input.leaseTtlMs ?? null) : null,
      lease_expires_at: input.kind === 'leased' && input.leaseTtlMs !== undefined ? now + input.leaseTtlMs : null,
      last_heartbeat_at: input.kind === 'leased' ? now : null,
      registered_at: now,
      probe_state: 'unknown',
      last_probe_at: null,
      latency_ms: null,
      consecutive_failures: 0,
      last_error: null,
      next_probe_at: now,
    };
    if (existing) await trx.updateTable('registry_instances').set(values).where('id', '=', existing.id).execute();
    else await trx.insertInto('registry_instances').values(values).execute();
    const instanceId = values.id;
    await this.#refreshHealth(trx, agent, now, log);
    log({ kind: 'instance_changed', agent, detail: { instance: instanceId, event: existing ? 'renewed' : 'added', url: input.url } });
    const row = await trx.selectFrom('registry_instances').selectAll().where('id', '=', instanceId).executeTakeFirstOrThrow();
    return instanceFromRow(row, now);
  }

  /** Renews a lease; `undefined` when the instance is gone (the caller registers again). */
  async heartbeat(agent: string, id: string): Promise<{ leaseExpiresAt: string; changes: RegistryChange[] } | undefined> {
    const { result, changes } = await this.#write(async (trx, now, log) => {
      const row = await trx.selectFrom('registry_instances').selectAll().where('id', '=', id).where('agent', '=', agent).executeTakeFirst();
      if (!row || row.kind !== 'leased' || row.lease_ttl_ms === null) return undefined;
      const expires = now + row.lease_ttl_ms;
      // A lapsed lease is revived (the instance came back); one its probes hold down stays down: a heartbeat says the
      // process lives, not that it serves (it may answer 5xx), and only a probe that passes puts it back in rotation.
      // The heartbeat brings that probe forward (past its backoff), so a recovered instance is back within a round.
      const revived = row.lease_expires_at === null || row.lease_expires_at <= now;
      const held = !revived && row.probe_state === 'down';
      await trx
        .updateTable('registry_instances')
        .set({ lease_expires_at: expires, last_heartbeat_at: now, ...(revived && { probe_state: 'unknown', next_probe_at: now, last_error: null }), ...(held && { next_probe_at: Math.min(row.next_probe_at, now) }) })
        .where('id', '=', id)
        .execute();
      if (revived) {
        await this.#refreshHealth(trx, agent, now, log);
        log({ kind: 'instance_changed', agent, detail: { instance: id, event: 'revived' } });
      }
      return expires;
    });
    return result === undefined ? undefined : { leaseExpiresAt: new Date(result).toISOString(), changes };
  }

  async removeInstance(agent: string, id: string): Promise<{ removed: boolean; changes: RegistryChange[] }> {
    const { result, changes } = await this.#write(async (trx, now, log) => {
      const deleted = await trx.deleteFrom('registry_instances').where('id', '=', id).where('agent', '=', agent).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await trx.deleteFrom('registry_probes').where('instance_id', '=', id).execute();
      await this.#refreshHealth(trx, agent, now, log);
      log({ kind: 'instance_changed', agent, detail: { instance: id, event: 'removed' } });
      return true;
    });
    return { removed: result, changes };
  }

  /**
   * Takes lapsed leases out of rotation (marks them down, recomputes health)
   * and forgets instances lapsed for longer than `forgetAfterMs`.
   */
  async sweepLeases(forgetAfterMs: number): Promise<RegistryChange[]> {
    const now = Date.now();
    const lapsed = await this.#db
      .selectFrom('registry_instances')
      .select(['id', 'agent', 'lease_expires_at', 'probe_state'])
      .where('kind', '=', 'leased')
      .where('lease_expires_at', '<=', now)
      .execute();
    const work = lapsed.filter((r) => r.probe_state !== 'down' || (r.lease_expires_at ?? now) <= now - forgetAfterMs);
    if (work.length === 0) return [];
    const { changes } = await this.#write(async (trx, at, log) => {
      const agents = new Set<string>();
      for (const row of work) {
        if ((row.lease_expires_at ?? at) <= at - forgetAfterMs) {
          await trx.deleteFrom('registry_instances').where('id', '=', row.id).where('lease_expires_at', '<=', at - forgetAfterMs).execute();
          await trx.deleteFrom('registry_probes').where('instance_id', '=', row.id).execute();
          log({ kind: 'instance_changed', agent: row.agent, detail: { instance: row.id, event: 'forgotten' } });
        } else {
          const updated = await trx
            .updateTable('registry_instances')
            .set({ probe_state: 'down', last_error: `lease expired at ${new Date(row.lease_expires_at!).toISOString()}` })
            .where('id', '=', row.id)
            .where('lease_expires_at', '<=', at)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) continue;
          log({ kind: 'instance_changed', agent: row.agent, detail: { instance: row.id, event: 'lease_expired' } });
        }
        agents.add(row.agent);
      }
      for (const agent of agents) await this.#refreshHealth(trx, agent, at, log);
    });
    return changes;
  }

  /** Claims up to `limit` instances due for a probe; another replica cannot claim them for `claimMs`. */
  async claimDueProbes(limit: number, claimMs: number): Promise<DueProbe[]> {
    const now = Date.now();
    const rows = await this.#db
      .selectFrom('registry_instances')
      .select(['id', 'agent', 'url', 'kind', 'consecutive_failures', 'next_probe_at'])
      .where('next_probe_at', '<=', now)
      .where((eb) => eb.or([eb('kind', '=', 'static'), eb('lease_expires_at', '>', now)]))
      .orderBy('next_probe_at')
      .limit(limit)
      .execute();
    const claimed: DueProbe[] = [];
    for (const row of rows) {
      const result = await this.#db
        .updateTable('registry_instances')
        .set({ next_probe_at: now + claimMs })
        .where('id', '=', row.id)
        .where('next_probe_at', '=', row.next_probe_at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) {
        claimed.push({ id: row.id, agent: row.agent, url: row.url, kind: row.kind === 'static' ? 'static' : 'leased', consecutiveFailures: row.consecutive_failures });
      }
    }
    return claimed;
  }

  /** Records a probe, schedules the next one, keeps `keepHistory` points, and recomputes health. */
  async recordProbe(id: string, outcome: ProbeOutcome, nextProbeAt: number, keepHistory: number): Promise<RegistryChange[]> {
    const { changes } = await this.#write(async (trx, now, log) => {
      const row = await trx.selectFrom('registry_instances').select(['agent', 'probe_state', 'consecutive_failures', 'kind', 'lease_expires_at']).where('id', '=', id).executeTakeFirst();
      if (!row) return;
      // A lease that lapsed while the probe ran stays out of rotation.
      if (row.kind === 'leased' && (row.lease_expires_at === null || row.lease_expires_at <= now)) return;
      await trx
        .updateTable('registry_instances')
        .set({
          probe_state: outcome.ok ? 'up' : 'down',
          last_probe_at: now,
          latency_ms: outcome.latencyMs ?? null,
          consecutive_failures: outcome.ok ? 0 : row.consecutive_failures + 1,
          last_error: outcome.ok ? null : (outcome.error ?? 'probe failed'),
          next_probe_at: nextProbeAt,
        })
        .where('id', '=', id)
        .execute();
      await trx.insertInto('registry_probes').values({ instance_id: id, at: now, ok: outcome.ok ? 1 : 0, latency_ms: outcome.latencyMs ?? null, error: outcome.error ?? null }).execute();
      const keep = await trx.selectFrom('registry_probes').select('at').where('instance_id', '=', id).orderBy('at', 'desc').offset(keepHistory - 1).limit(1).executeTakeFirst();
      if (keep) await trx.deleteFrom('registry_probes').where('instance_id', '=', id).where('at', '<', keep.at).execute();
      const newState = outcome.ok ? 'up' : 'down';
      if (newState !== row.probe_state) log({ kind: 'instance_changed', agent: row.agent, detail: { instance: id, event: newState } });
      await this.#refreshHealth(trx, row.agent, now, log);
    });
    return changes;
  }

  async probeHistory(instanceId: string, limit: number): Promise<ProbePoint[]> {
    const rows = await this.#db.selectFrom('registry_probes').selectAll().where('instance_id', '=', instanceId).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      ok: r.ok === 1,
      ...(r.latency_ms !== null && { latencyMs: r.latency_ms }),
      ...(r.error !== null && { error: r.error }),
    }));
  }

  // ---- configs ---------------------------------------------------------

  async listConfigs(agent: string): Promise<AgentConfigVersion[]> {
    const active = await this.#db.selectFrom('registry_agents').select('active_config_version').where('name', '=', agent).executeTakeFirst();
    if (!active) throw agentNotFound(agent);
    const rows = await this.#db.selectFrom('registry_configs').selectAll().where('agent', '=', agent).orderBy('version', 'desc').execute();
    return rows.map((r) => configFromRow(r, active.active_config_version));
  }

  async getConfig(agent: string, version?: number): Promise<AgentConfigVersion | undefined> {
    const active = await this.#db.selectFrom('registry_agents').select('active_config_version').where('name', '=', agent).executeTakeFirst();
    if (!active) throw agentNotFound(agent);
    const wanted = version ?? active.active_config_version;
    if (wanted === null) return undefined;
    const row = await this.#db.selectFrom('registry_configs').selectAll().where('agent', '=', agent).where('version', '=', wanted).executeTakeFirst();
    return row && configFromRow(row, active.active_config_version);
  }

  /**
   * Appends a config version and makes it active. `produce` sees the agent
   * and the existing versions (for validation and rollback) and returns the
   * config to store.
   */
  async putConfig(
    agent: string,
    produce: (record: AgentRecord, versionOf: (v: number) => Promise<Record<string, unknown> | undefined>) => Promise<{ config: Record<string, unknown>; comment?: string | undefined; createdBy?: string | undefined }>,
  ): Promise<{ version: AgentConfigVersion; changes: RegistryChange[] }> {
    const { result, changes } = await this.#write(async (trx, now, log) => {
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', agent).executeTakeFirst();
      if (!row) throw agentNotFound(agent);
      this.#rowCards.set(agent, row.card);
      const versionOf = async (v: number) => {
        const found = await trx.selectFrom('registry_configs').select('config').where('agent', '=', agent).where('version', '=', v).executeTakeFirst();
        return found && objectColumn(found.config, 'registry_configs.config');
      };
      const input = await produce(recordFromRow(row), versionOf);
      const last = await trx.selectFrom('registry_configs').select((eb) => eb.fn.max('version').as('max')).where('agent', '=', agent).executeTakeFirst();
      const version = Number(last?.max ?? 0) + 1;
      const configRow = { agent, version, config: JSON.stringify(input.config), created_at: now, created_by: input.createdBy ?? null, comment: input.comment ?? null };
      await trx.insertInto('registry_configs').values(configRow).execute();
      await trx.updateTable('registry_agents').set({ active_config_version: version, revision: row.revision + 1, updated_at: now }).where('name', '=', agent).execute();
      const record = recordFromRow({ ...row, active_config_version: version, revision: row.revision + 1, updated_at: now });
      log({ kind: 'config_changed', agent, record, detail: { version, ...(input.comment && { comment: input.comment }) } });
      return configFromRow(configRow, version);
    });
    return { version: result, changes };
  }

  // ---- change log ------------------------------------------------------

  async changesSince(seq: number, limit: number): Promise<RegistryChange[]> {
    const query = this.#db.selectFrom('registry_changes').where('seq', '>', seq).orderBy('seq').limit(limit);
    if (this.#dialect !== 'postgres') {
      const rows = await query.selectAll().execute();
      return rows.map((row) => this.#recent.get(Number(row.seq)) ?? changeFromRow(row));
    }
    // A change this process wrote is not sent back over the network: its record (the card, most
    // of the row) is left out of the answer, and the change comes from what was kept of it.
    // The kept changes are taken before the query: writes committed while it runs may push them
    // out of the kept set, and a change asked for without its record must still be answered with one.
    // Only the first `limit` after `seq`: the answer holds no later one, and #recent is in seq order
    // (groups commit one at a time), so a poll copies a page, not all it keeps.
    const kept = new Map<number, RegistryChange>();
    for (const [s, change] of this.#recent) {
      if (s <= seq) continue;
      kept.set(s, change);
      if (kept.size >= limit) break;
    }
    const rows = await query
      .select(['seq', 'kind', 'agent', 'at', 'detail'])
      .select(sql<string | null>`case when seq = any(${[...kept.keys()]}) then null else record end`.as('record'))
      .execute();
    return rows.map((row) => kept.get(Number(row.seq)) ?? changeFromRow(row));
  }

  /** Oldest and newest seq still in the log (0, 0 when empty). */
  async changeBounds(): Promise<{ oldest: number; newest: number }> {
    const row = await this.#db
      .selectFrom('registry_changes')
      .select((eb) => [eb.fn.min('seq').as('oldest'), eb.fn.max('seq').as('newest')])
      .executeTakeFirst();
    return { oldest: Number(row?.oldest ?? 0), newest: Number(row?.newest ?? 0) };
  }

  /** Drops change-log entries older than `before` (epoch ms), always keeping the newest one. */
  async pruneChanges(before: number): Promise<number> {
    const { newest } = await this.changeBounds();
    const result = await this.#db.deleteFrom('registry_changes').where('at', '<', before).where('seq', '<', newest).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- internals -------------------------------------------------------

  /**
   * Runs `work` in a transaction that also appends its changes to the log.
   * Writes asked for in the same event-loop turn commit together (group
   * commit), one group at a time: writes asked for while a group commits form
   * the next group, which starts as soon as that commit is answered. A write
   * that is refused fails alone while the others commit. Every caller is
   * answered right after the commit that holds its write: nothing waits on a
   * timer or a later signal.
   *
   * A group costs a few statements, not a few per write (on PostgreSQL each
   * statement is a round trip): one agent's writes read their agents with one
   * query, new agents go in one multi-row insert, and the group's changes in
   * another; such a write needs no savepoint, since all it can refuse (its
   * decision) comes before it writes. Any other write runs in a savepoint of
   * its own. Should a batched statement fail in the database, nothing of the
   * group has committed: it runs again one write at a time, each in a
   * savepoint, so the write at fault fails alone.
   */
  #write<T>(work: WriteWork<T>, agent?: AgentWrite): Promise<{ result: T; changes: RegistryChange[] }> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ work, ...(agent && { agent }), resolve, reject } as QueuedWrite);
      if (this.#queued.length === 1 && !this.#committing) setImmediate(() => void this.#commitGroup());
    });
  }

  async #commitGroup(): Promise<void> {
    const group = this.#queued;
    this.#queued = [];
    this.#committing = true;
    try {
      let settled: Settled[];
      try {
        settled = await this.#runGroup(group, group.some((write) => write.agent !== undefined));
      } catch (err) {
        // A batched statement failed before the commit (the database refused a row, say): nothing
        // committed, and one write at a time finds the one at fault. A fault of the connection fails
        // that run too. A failed commit is not run again: it may have committed.
        if (!(err instanceof BatchFailed)) throw err;
        settled = await this.#runGroup(group, false);
      }
      for (const outcome of settled) {
        if (outcome.ok) for (const change of outcome.changes!) this.#recent.set(change.seq, change);
      }
      for (const oldest of this.#recent.keys()) {
        if (this.#recent.size <= RECENT_CHANGES) break;
        this.#recent.delete(oldest);
      }
      for (const outcome of settled) {
        if (outcome.ok) outcome.write.resolve({ result: outcome.result, changes: outcome.changes! });
        else outcome.write.reject(outcome.error);
      }
    } catch (err) {
      // Nothing of the group committed: every write learns why.
      for (const write of group) write.reject(err);
    } finally {
      this.#committing = false;
      if (this.#queued.length > 0) setImmediate(() => void this.#commitGroup());
    }
  }

  /**
   * One transaction for the group. `batched`: one agent's writes share the group's reads and
   * inserts (see {@link #write}); otherwise each write runs in a savepoint of its own (unless alone).
   */
  async #runGroup(group: readonly QueuedWrite[], batched: boolean): Promise<Settled[]> {
    return this.#lockedTransaction(async (trx) => {
      try {
        return await this.#runWrites(trx, group, batched);
      } catch (err) {
        throw batched ? new BatchFailed(err) : err;
      }
    });
  }

  /**
   * Runs `work` in a transaction that holds the writers' lock, which serializes registry writers
   * so change-log seqs commit in order. On PostgreSQL the `begin` and the lock go in one round
   * trip (a simple query of two statements; the lock is taken before any statement after it
   * takes its snapshot). On SQLite any write statement takes the write lock at once (waiting
   * under busy_timeout), instead of upgrading a read transaction later, which fails at once when
   * another connection wrote in between.
   */
  async #lockedTransaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    if (this.#dialect !== 'postgres') {
      return this.#db.transaction().execute(async (trx) => {
        await sql`update registry_agents set revision = revision where 0 = 1`.execute(trx);
        return work(trx);
      });
    }
    return this.#db.connection().execute(async (conn) => {
      let result: T;
      try {
        await sql.raw(`begin; ${REGISTRY_WRITE_LOCK}`).execute(conn);
        result = await work(conn);
      } catch (err) {
        // After a failed lock too: the `begin` before it may have opened the transaction.
        await sql.raw('rollback').execute(conn);
        throw err;
      }
      await sql.raw('commit').execute(conn);
      return result;
    });
  }

  async #runWrites(trx: Trx, group: readonly QueuedWrite[], batched: boolean): Promise<Settled[]> {
    const settled: Settled[] = [];
    const batch = batched ? new AgentBatch() : undefined;
    this.#rowCards = new Map();
    for (const [i, write] of group.entries()) {
      const now = Date.now();
      const pending: PendingChange[] = [];
      const log = (change: PendingChange) => pending.push(change);
      if (batch && write.agent) {
        // The agents of this write and of the agent writes right after it, read at once.
        const names: string[] = [];
        for (let j = i; j < group.length && group[j]!.agent; j++) names.push(group[j]!.agent!.name);
        await batch.readAhead(trx, names);
        try {
          const result = await this.#writeAgent(trx, now, log, write.agent, batch);
          settled.push({ write, ok: true, result, now, pending });
        } catch (err) {
          if (!(err instanceof Refusal)) throw err;
          settled.push({ write, ok: false, error: err.error });
        }
        continue;
      }
      if (batch) {
        // Any statement of this write sees the agents before it; any agent it changes is read again after it.
        await batch.flush(trx);
        batch.forget();
      }
      if (group.length === 1) {
        // Alone: no savepoint needed, an error rolls the transaction back.
        settled.push({ write, ok: true, result: await write.work(trx, now, log), now, pending });
        continue;
      }
      await sql`savepoint registry_write`.execute(trx);
      try {
        const result = await write.work(trx, now, log);
        await sql`release savepoint registry_write`.execute(trx);
        settled.push({ write, ok: true, result, now, pending });
      } catch (err) {
        await sql`rollback to savepoint registry_write`.execute(trx);
        await sql`release savepoint registry_write`.execute(trx);
        this.#rowCards = new Map();
        settled.push({ write, ok: false, error: err });
      }
    }
    await this.#logChanges(trx, settled, batch?.take() ?? []);
    return settled;
  }

  /**
   * Inserts the new agents still waiting and appends the group's changes to the log, in the order
   * they were made: on PostgreSQL one statement for both (the agents' insert a data-modifying
   * WITH of the log's), elsewhere or past {@link ROWS_PER_INSERT} rows one per kind and chunk.
   *
   * The log keeps its own copy of each change's record, card included: a change is the record as
   * of its seq, read after the agent's row has moved on or is gone (another replica's directory,
   * a watcher resuming from a seq), so it cannot point at the row instead. On PostgreSQL the card
   * is not sent a second time for it, though: a change whose card is the one its agent's row holds
   * (`#rowCards`) goes without it, and the database appends the row's card text, the very text the
   * record would have carried (`recordToJsonText` writes the card last).
   */
  async #logChanges(trx: Trx, settled: Settled[], agentRows: Array<Insertable<Tables['registry_agents']>>): Promise<void> {
    const postgres = this.#dialect === 'postgres';
    let count = 0;
    for (const outcome of settled) if (outcome.ok) count += outcome.pending.length;
    const together = postgres && agentRows.length > 0 && agentRows.length <= ROWS_PER_INSERT && count > 0 && count <= ROWS_PER_INSERT;
    const rows: Array<InsertObject<Tables, 'registry_changes'>> = [];
    /** The agent of each row whose card the database copies from the agent's row, by index in `rows`. */
    const fromRow = new Map<number, string>();
    for (const outcome of settled) {
      if (!outcome.ok) continue;
      for (const change of outcome.pending) {
        let record: InsertObject<Tables, 'registry_changes'>['record'] = null;
        if (change.record !== undefined && postgres && this.#rowCards.get(change.agent) === cardToJsonText(change.record.card)) {
          // The new agents of the statement itself are in its WITH: its reads of the table do not see them.
          const card = together
            ? sql<string>`coalesce((select card from new_agents where name = ${change.agent}), (select card from registry_agents where name = ${change.agent}))`
            : sql<string>`(select card from registry_agents where name = ${change.agent})`;
          record = sql<string>`${recordJsonTextBeforeCard(change.record)} || ${card} || '}'`;
          fromRow.set(rows.length, change.agent);
        } else if (change.record !== undefined) record = recordToJsonText(change.record);
        rows.push({ kind: change.kind, agent: change.agent, at: outcome.now, record, detail: change.detail ? JSON.stringify(change.detail) : null });
      }
    }
    if (!together) {
      for (let i = 0; i < agentRows.length; i += ROWS_PER_INSERT) await trx.insertInto('registry_agents').values(agentRows.slice(i, i + ROWS_PER_INSERT)).execute();
    }
    const seqs: number[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      const returned = ['seq', sql<boolean>`record is null`.as('recordless')] as const;
      const inserted = together
        ? await trx
            .with('new_agents', (db) => db.insertInto('registry_agents').values(agentRows).returning(['name', 'card']))
            .insertInto('registry_changes')
            .values(chunk)
            .returning(returned)
            .execute()
        : await trx.insertInto('registry_changes').values(chunk).returning(returned).execute();
      // The rows take their seqs in the order of the VALUES list; RETURNING's order is not promised.
      const inOrder = inserted.map((row) => ({ seq: Number(row.seq), recordless: row.recordless })).sort((a, b) => a.seq - b.seq);
      for (const [j, row] of inOrder.entries()) {
        seqs.push(row.seq);
        // Only a row changed outside the writers' lock could leave a copied card empty: the log must
        // not lose a record silently, so nothing of the group commits.
        const agent = fromRow.get(i + j);
        if (row.recordless && agent !== undefined) throw new Error(`the registry change log lost the record of ${JSON.stringify(agent)}: its row no longer holds the card it was written with`);
      }
    }
    let next = 0;
    for (const outcome of settled) {
      if (!outcome.ok) continue;
      const at = new Date(outcome.now).toISOString();
      outcome.changes = outcome.pending.map((change) => ({
        seq: seqs[next++]!,
        kind: change.kind,
        agent: change.agent,
        at,
        ...(change.record && { record: change.record }),
        ...(change.detail && { detail: change.detail }),
      }));
    }
  }

  async #requireAgent(trx: Trx, agent: string): Promise<void> {
    const row = await trx.selectFrom('registry_agents').select('name').where('name', '=', agent).executeTakeFirst();
    if (!row) throw agentNotFound(agent);
  }

  /**
   * Recomputes an agent's health from its instances; logs `health_changed` when it moved.
   * `written` is the record as this transaction just wrote it, when the caller has it.
   */
  async #refreshHealth(trx: Trx, agent: string, now: number, log: (change: PendingChange) => void, written?: AgentRecord): Promise<AgentRecord | undefined> {
    let current = written;
    if (current === undefined) {
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', agent).executeTakeFirst();
      if (!row) return undefined;
      this.#rowCards.set(agent, row.card);
      current = recordFromRow(row);
    }
    const instances = await trx.selectFrom('registry_instances').select(['kind', 'probe_state', 'lease_expires_at']).where('agent', '=', agent).execute();
    const health: AgentHealth = deriveAgentHealth(instances, now);
    if (health === current.health) return current;
    const record: AgentRecord = { ...current, health, revision: current.revision + 1, updatedAt: new Date(now).toISOString() };
    await trx.updateTable('registry_agents').set({ health, revision: record.revision, updated_at: now }).where('name', '=', agent).execute();
    log({ kind: 'health_changed', agent, record, detail: { from: current.health, to: health } });
    return record;
  }
}

export function agentNotFound(name: string): AgentmeshError {
  return Errors.registryAgentNotFound({ quotedName: JSON.stringify(name) }, { details: { agent: name } });
}
