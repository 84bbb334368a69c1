import type { Logger } from '../../observability/index.js';
import { followChanges, type Bus } from '../../storage/index.js';
import { Errors } from '../../protocol/index.js';
import { PolicySyntaxError } from './policy-compile.js';
import type { PolicyBody, PolicyRecord } from './policy-record.js';
import { compilePolicy, PolicySet, type CompiledPolicy, type PolicyTarget } from './policy-set.js';
import type { PolicyStore } from './policy-store.js';
import type { SessionCounters } from './session-counters.js';

/** Options of {@link PolicyEngine}. */
export interface PolicyEngineOptions {
  store: PolicyStore;
  counters: SessionCounters;
  logger: Logger;
  /** How often the stored policies are read again (an announcement missed costs at most this), ms. */
  reloadIntervalMs: number;
  /** The bus the replicas share: a policy written on one replica is read again by every other at once. */
  bus?: Pick<Bus, 'publish' | 'subscribe'>;
}

/** The topic a replica announces a policy change on (the message carries nothing: the policies are read from the store). */
export const POLICIES_TOPIC = 'agentmesh.gateway.policies';

/**
 * The gateway's policies in force (docs/policies.md, ADR 0073): read from
 * the store, compiled and indexed once per change, announced to the other
 * replicas on the bus; and the writes of the admin API (a new version, a
 * rollback, a delete), each a version of its own.
 */
export class PolicyEngine {
  readonly #o: PolicyEngineOptions;
  #set = new PolicySet([]);
  #reloading: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: PolicyEngineOptions) {
    this.#o = options;
  }

  get counters(): SessionCounters {
    return this.#o.counters;
  }

  /** The policies in force. */
  get set(): PolicySet {
    return this.#set;
  }

  /** The policies whose target covers a call. */
  applicable(t: PolicyTarget): readonly CompiledPolicy[] {
    return this.#set.applicable(t);
  }

  /** Reads the stored policies again; reloads run in turn, so an older read never replaces a newer one. */
  reload(): Promise<void> {
    const run = this.#reloading.then(async () => {
      const records = await this.#o.store.inForce();
      this.#set = new PolicySet(records.map((r) => this.#compiled(r)));
    });
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  /**
   * A stored policy whose condition no longer compiles (the entity model
   * changed under it) fails closed: a forbid or an approval holds for every
   * call it targets, a permit for none. Logged, never skipped silently.
   */
  #compiled(record: PolicyRecord): CompiledPolicy {
    try {
      return compilePolicy(record);
    } catch (err) {
      if (!(err instanceof PolicySyntaxError)) throw err;
      this.#o.logger.warn({ policy: record.id, tenant: record.tenant, err: err.message }, 'a stored policy no longer compiles: it holds for every call it targets (forbid, approval) or none (permit) until it is fixed');
      const holds = record.effect !== 'permit';
      return { record, ref: compilePolicy({ ...record, condition: undefined }).ref, condition: { source: record.condition ?? '', counters: [], readsTime: false, test: () => holds } };
    }
  }

  /** The policies in force of a tenant (and, with `platform`, the platform-wide ones); every one when `tenant` is undefined. */
  list(tenant: string | undefined, platform: boolean): PolicyRecord[] {
    return this.#set
      .all()
      .map((p) => p.record)
      .filter((r) => tenant === undefined || r.tenant === tenant || (platform && r.tenant === undefined))
      .sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || a.id.localeCompare(b.id));
  }

  versions(tenant: string | undefined, id: string): Promise<PolicyRecord[]> {
    return this.#o.store.versions(tenant, id);
  }

  version(tenant: string | undefined, id: string, version?: number): Promise<PolicyRecord | undefined> {
    return this.#o.store.version(tenant, id, version);
  }

  /** Writes a new version (checked by the caller: `validatePolicy`) and puts it in force on every replica. */
  async put(body: PolicyBody, by: string): Promise<PolicyRecord> {
    const written = await this.#o.store.put(body, by);
    await this.#changed();
    return written;
  }

  /** Writes version `version`'s body again as the newest version. */
  async rollback(tenant: string | undefined, id: string, version: number, by: string): Promise<PolicyRecord> {
    const old = await this.#o.store.version(tenant, id, version);
    if (old === undefined) throw Errors.policyVersionNotFound({ id, version });
    const { version: _v, createdAt: _c, createdBy: _b, deleted, ...body } = old;
    // Rolling back to a tombstone deletes the policy again.
    const written = await this.#o.store.put({ ...body, comment: `rollback to version ${version}` }, by, deleted === true);
    await this.#changed();
    return written;
  }

  /** Deletes a policy: a tombstone version (kept, and a rollback target). */
  async remove(tenant: string | undefined, id: string, by: string): Promise<PolicyRecord> {
    const newest = await this.#o.store.version(tenant, id);
    if (newest === undefined || newest.deleted === true) throw Errors.policyNotFound({ quotedId: JSON.stringify(id) });
    const { version: _v, createdAt: _c, createdBy: _b, deleted: _d, ...body } = newest;
    const written = await this.#o.store.put({ ...body, comment: 'deleted' }, by, true);
    await this.#changed();
    return written;
  }

  async #changed(): Promise<void> {
    await this.reload();
    await this.#o.bus?.publish(POLICIES_TOPIC, { at: Date.now() }).catch((err: unknown) => this.#o.logger.warn({ err }, 'a policy change could not be announced; other replicas read it at their next reload'));
  }

  /** Loads the stored policies, follows announcements, and reads them again every `reloadIntervalMs`. */
  async start(): Promise<void> {
    const failed = (err: unknown) => this.#o.logger.warn({ err }, 'reading the policies again failed; the next reload tries again');
    this.#unsubscribe = await followChanges(this.#o.bus, POLICIES_TOPIC, () => this.reload(), failed);
    this.#timer = setInterval(() => {
      this.reload().catch(failed);
    }, this.#o.reloadIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#reloading;
  }
}
