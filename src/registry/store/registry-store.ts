import { sql, type Kysely } from 'kysely';
import type { Database, Tables } from '../../storage/index.js';
import type { AgentConfigVersion, AgentInstance, AgentRecord, RegistryChange } from '../../contracts/registry/index.js';
import { changeFromRow, configFromRow, objectColumn, recordFromRow } from './rows.js';
import type { StoredReview } from './review-rows.js';
import { agentNotFound } from './agent-health.js';
import { writeAgentIn } from './agent-writes.js';
import { GovernanceStore } from './governance-store.js';
import { InstanceStore } from './instance-store.js';
import type { AgentDecision, DueProbe, NewInstance, ProbeOutcome, ProbePoint, ReviewDecider } from './store-types.js';
import { WriteGroups, type AgentWrite } from './write-groups.js';

export type { AgentDecision, AgentOutcome, DueProbe, NewInstance, ProbeOutcome, ProbePoint, ReviewDecider } from './store-types.js';
export { REGISTRY_WRITE_LOCK } from './write-groups.js';
export { agentNotFound } from './agent-health.js';

/**
 * The registry's tables through Kysely, for SQLite and PostgreSQL alike.
 * Every write runs in one transaction that also appends to the change log,
 * so the log is exactly the sequence of committed writes (write-groups.ts:
 * writes asked for in one turn commit together, under the writers' lock).
 * Agents, configs and the change log are read and written here; instances
 * and probes in instance-store.ts, reviews and ownership checks in
 * governance-store.ts, each through the same group commit.
 */
export class RegistryStore {
  readonly #db: Kysely<Tables>;
  readonly #dialect: 'sqlite' | 'postgres';
  readonly #groups: WriteGroups;
  readonly #instances: InstanceStore;
  readonly #governance: GovernanceStore;

  constructor(database: Database) {
    this.#db = database.db;
    this.#dialect = database.dialect;
    this.#groups = new WriteGroups(database, (trx, now, log, write, batch) => writeAgentIn(this.#groups, trx, now, log, write, batch));
    this.#instances = new InstanceStore(this.#db, this.#groups);
    this.#governance = new GovernanceStore(this.#db, this.#groups);
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
    const { result, changes } = await this.#groups.write((trx, now, log) => writeAgentIn(this.#groups, trx, now, log, write), write);
    return { record: result, changes };
  }

  /**
   * {@link writeAgent} for several agents in one transaction: all commit or
   * none does (the agents of one ACP server are registered together).
   */
  async writeAgents(writes: ReadonlyArray<{ name: string; decide: AgentDecision; instance?: NewInstance | undefined }>): Promise<{ records: Array<AgentRecord | undefined>; changes: RegistryChange[] }> {
    return this.#groups.write(async (trx, now, log) => {
      const records: Array<AgentRecord | undefined> = [];
      for (const write of writes) records.push(await writeAgentIn(this.#groups, trx, now, log, write));
      return records;
    }).then(({ result, changes }) => ({ records: result, changes }));
  }

  // ---- reviews and ownership (governance-store.ts) ------------------------

  getReview(id: string): Promise<StoredReview | undefined> {
    return this.#governance.getReview(id);
  }

  /** Reviews in `state`, of one agent or all, oldest first. */
  listReviews(query: { state: StoredReview['state']; agent?: string | undefined; limit: number }): Promise<StoredReview[]> {
    return this.#governance.listReviews(query);
  }

  /** Ends a review and writes its agent's record in one transaction: {@link GovernanceStore.decideReview}. */
  decideReview(id: string, decide: ReviewDecider, options: { instance?: NewInstance | undefined } = {}): Promise<{ review: StoredReview; record: AgentRecord | undefined; changes: RegistryChange[] }> {
    return this.#governance.decideReview(id, decide, options);
  }

  /** Claims agents whose ownership check is due: {@link GovernanceStore.claimOwnershipChecks}. */
  claimOwnershipChecks(limit: number, claimMs: number, options: { only?: string; force?: boolean } = {}): Promise<string[]> {
    return this.#governance.claimOwnershipChecks(limit, claimMs, options);
  }

  // ---- instances and probes (instance-store.ts) --------------------------

  /** `now` judges each lease (live or lapsed): by default the database's time, read with the rows. */
  listInstances(agent: string, now?: number): Promise<AgentInstance[]> {
    return this.#instances.listInstances(agent, now);
  }

  /** The instances of several agents in one query, by agent (an agent without any maps to an empty list). */
  listInstancesOf(agents: readonly string[], now?: number): Promise<Map<string, AgentInstance[]>> {
    return this.#instances.listInstancesOf(agents, now);
  }

  /** Adds (or, for the same agent and URL, renews) an instance. */
  addInstance(agent: string, input: NewInstance): Promise<{ instance: AgentInstance; changes: RegistryChange[] }> {
    return this.#instances.addInstance(agent, input);
  }

  /** Renews a lease; `undefined` when the instance is gone (the caller registers again). */
  heartbeat(agent: string, id: string): Promise<{ leaseExpiresAt: string; changes: RegistryChange[] } | undefined> {
    return this.#instances.heartbeat(agent, id);
  }

  removeInstance(agent: string, id: string): Promise<{ removed: boolean; changes: RegistryChange[] }> {
    return this.#instances.removeInstance(agent, id);
  }

  /** Takes lapsed leases out of rotation and forgets long-lapsed ones: {@link InstanceStore.sweepLeases}. */
  sweepLeases(forgetAfterMs: number): Promise<RegistryChange[]> {
    return this.#instances.sweepLeases(forgetAfterMs);
  }

  /** Claims up to `limit` instances due for a probe; another replica cannot claim them for `claimMs`. */
  claimDueProbes(limit: number, claimMs: number): Promise<DueProbe[]> {
    return this.#instances.claimDueProbes(limit, claimMs);
  }

  /** Records a probe, schedules the next one, keeps `keepHistory` points, and recomputes health. */
  recordProbe(id: string, outcome: ProbeOutcome, nextProbeInMs: number, keepHistory: number): Promise<RegistryChange[]> {
    return this.#instances.recordProbe(id, outcome, nextProbeInMs, keepHistory);
  }

  probeHistory(instanceId: string, limit: number): Promise<ProbePoint[]> {
    return this.#instances.probeHistory(instanceId, limit);
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
    const { result, changes } = await this.#groups.write(async (trx, now, log) => {
      const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', agent).executeTakeFirst();
      if (!row) throw agentNotFound(agent);
      this.#groups.rowCards.set(agent, row.card);
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
      return rows.map((row) => this.#groups.recent.get(Number(row.seq)) ?? changeFromRow(row));
    }
    // A change this process wrote is not sent back over the network: its record (the card, most
    // of the row) is left out of the answer, and the change comes from what was kept of it.
    // The kept changes are taken before the query: writes committed while it runs may push them
    // out of the kept set, and a change asked for without its record must still be answered with one.
    // Only the first `limit` after `seq`: the answer holds no later one, and #recent is in seq order
    // (groups commit one at a time), so a poll copies a page, not all it keeps.
    const kept = new Map<number, RegistryChange>();
    for (const [s, change] of this.#groups.recent) {
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

  /**
   * Drops change-log entries older than `retentionMs` on the database's clock (the one their times
   * were written on), always keeping the newest one.
   */
  async pruneChanges(retentionMs: number): Promise<number> {
    const { newest } = await this.changeBounds();
    const before = (await this.#groups.clock.now()) - retentionMs;
    const result = await this.#db.deleteFrom('registry_changes').where('at', '<', before).where('seq', '<', newest).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

}
