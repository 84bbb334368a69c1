import type { Insertable, Kysely } from 'kysely';
import type { Tables } from '../../storage/index.js';
import type { AgentInstance, RegistryChange } from '../../contracts/registry/index.js';
import { instanceFromRow } from './rows.js';
import { refreshHealth, requireAgent } from './agent-health.js';
import type { DueProbe, NewInstance, ProbeOutcome, ProbePoint } from './store-types.js';
import type { ChangeLog, Trx, WriteGroups } from './write-groups.js';
import { claimDueRows } from './claim-due-rows.js';

/** Adds (or, for the same agent and URL, renews) an instance, inside a write's transaction; recomputes the agent's health. */
export async function putInstance(groups: WriteGroups, trx: Trx, agent: string, input: NewInstance, now: number, log: ChangeLog): Promise<AgentInstance> {
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
  await refreshHealth(groups, trx, agent, now, log);
  log({ kind: 'instance_changed', agent, detail: { instance: instanceId, event: existing ? 'renewed' : 'added', url: input.url } });
  const row = await trx.selectFrom('registry_instances').selectAll().where('id', '=', instanceId).executeTakeFirstOrThrow();
  return instanceFromRow(row, now);
}

/**
 * The registry's instances and their probes: leases, heartbeats, sweeps,
 * probe claims and their history. Writes go through the store's group
 * commit, and move the agent's health with them.
 */
export class InstanceStore {
  readonly #db: Kysely<Tables>;
  readonly #groups: WriteGroups;

  constructor(db: Kysely<Tables>, groups: WriteGroups) {
    this.#db = db;
    this.#groups = groups;
  }

  /**
   * `now` judges each lease (live or lapsed); by default the database's time, read with the rows
   * (see {@link WriteGroups.clock}).
   */
  async listInstances(agent: string, now?: number): Promise<AgentInstance[]> {
    return (await this.listInstancesOf([agent], now)).get(agent) ?? [];
  }

  /** The instances of several agents in one query, by agent (an agent without any maps to an empty list). */
  async listInstancesOf(agents: readonly string[], now?: number): Promise<Map<string, AgentInstance[]>> {
    const byAgent = new Map<string, AgentInstance[]>(agents.map((agent) => [agent, []]));
    if (agents.length === 0) return byAgent;
    const rows = await this.#db.selectFrom('registry_instances').selectAll().select(this.#groups.clock.column().as('judged_at')).where('agent', 'in', agents).orderBy('agent').orderBy('registered_at').orderBy('id').execute();
    for (const { judged_at: judgedAt, ...row } of rows) byAgent.get(row.agent)?.push(instanceFromRow(row, now ?? Number(judgedAt)));
    return byAgent;
  }

  /** Adds (or, for the same agent and URL, renews) an instance. */
  async addInstance(agent: string, input: NewInstance): Promise<{ instance: AgentInstance; changes: RegistryChange[] }> {
    const { result, changes } = await this.#groups.write(async (trx, now, log) => {
      await requireAgent(trx, agent);
      return putInstance(this.#groups, trx, agent, input, now, log);
    });
    return { instance: result, changes };
  }

  /** Renews a lease; `undefined` when the instance is gone (the caller registers again). */
  async heartbeat(agent: string, id: string): Promise<{ leaseExpiresAt: string; changes: RegistryChange[] } | undefined> {
    const { result, changes } = await this.#groups.write(async (trx, now, log) => {
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
        await refreshHealth(this.#groups, trx, agent, now, log);
        log({ kind: 'instance_changed', agent, detail: { instance: id, event: 'revived' } });
      }
      return expires;
    });
    return result === undefined ? undefined : { leaseExpiresAt: new Date(result).toISOString(), changes };
  }

  async removeInstance(agent: string, id: string): Promise<{ removed: boolean; changes: RegistryChange[] }> {
    const { result, changes } = await this.#groups.write(async (trx, now, log) => {
      const deleted = await trx.deleteFrom('registry_instances').where('id', '=', id).where('agent', '=', agent).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await trx.deleteFrom('registry_probes').where('instance_id', '=', id).execute();
      await refreshHealth(this.#groups, trx, agent, now, log);
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
    const now = await this.#groups.clock.now();
    const lapsed = await this.#db
      .selectFrom('registry_instances')
      .select(['id', 'agent', 'lease_expires_at', 'probe_state'])
      .where('kind', '=', 'leased')
      .where('lease_expires_at', '<=', now)
      .execute();
    const work = lapsed.filter((r) => r.probe_state !== 'down' || (r.lease_expires_at ?? now) <= now - forgetAfterMs);
    if (work.length === 0) return [];
    const { changes } = await this.#groups.write(async (trx, at, log) => {
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
      for (const agent of agents) await refreshHealth(this.#groups, trx, agent, at, log);
    });
    return changes;
  }

  /** Claims up to `limit` instances due for a probe; another replica cannot claim them for `claimMs`. */
  async claimDueProbes(limit: number, claimMs: number): Promise<DueProbe[]> {
    const now = await this.#groups.clock.now();
    const rows = await this.#db
      .selectFrom('registry_instances')
      .select(['id', 'agent', 'url', 'kind', 'consecutive_failures', 'next_probe_at'])
      .where('next_probe_at', '<=', now)
      .where((eb) => eb.or([eb('kind', '=', 'static'), eb('lease_expires_at', '>', now)]))
      .orderBy('next_probe_at')
      .limit(limit)
      .execute();
    const claimed = await claimDueRows(rows, (row) =>
      this.#db
        .updateTable('registry_instances')
        .set({ next_probe_at: now + claimMs })
        .where('id', '=', row.id)
        .where('next_probe_at', '=', row.next_probe_at)
        .executeTakeFirst());
    return claimed.map((row): DueProbe => ({ id: row.id, agent: row.agent, url: row.url, kind: row.kind === 'static' ? 'static' : 'leased', consecutiveFailures: row.consecutive_failures }));
  }

  /** Records a probe, schedules the next one `nextProbeInMs` later, keeps `keepHistory` points, and recomputes health. */
  async recordProbe(id: string, outcome: ProbeOutcome, nextProbeInMs: number, keepHistory: number): Promise<RegistryChange[]> {
    const { changes } = await this.#groups.write(async (trx, now, log) => {
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
          next_probe_at: now + nextProbeInMs,
        })
        .where('id', '=', id)
        .execute();
      await trx.insertInto('registry_probes').values({ instance_id: id, at: now, ok: outcome.ok ? 1 : 0, latency_ms: outcome.latencyMs ?? null, error: outcome.error ?? null }).execute();
      const keep = await trx.selectFrom('registry_probes').select('at').where('instance_id', '=', id).orderBy('at', 'desc').offset(keepHistory - 1).limit(1).executeTakeFirst();
      if (keep) await trx.deleteFrom('registry_probes').where('instance_id', '=', id).where('at', '<', keep.at).execute();
      const newState = outcome.ok ? 'up' : 'down';
      if (newState !== row.probe_state) log({ kind: 'instance_changed', agent: row.agent, detail: { instance: id, event: newState } });
      await refreshHealth(this.#groups, trx, row.agent, now, log);
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
}
