import { Ajv, type ValidateFunction } from 'ajv';
import type { AuditLog } from '../audit/index.js';
import type { Logger } from '../observability/index.js';
import { Errors, isRecord } from '../protocol/index.js';
import { uuidv7 } from '../storage/index.js';
import type { AgentDirectory } from './agent-directory.js';
import type { ChangeFeed } from './change-feed.js';
import type { AddressVerdicts } from '../http/index.js';
import type { CardIntake } from './intake/index.js';
import { checkInterfaceUrls, validateAgentMetadata } from './intake/index.js';
import type { AgentConfigVersion, AgentInstance, AgentMetadata, AgentRecord, AgentStatus, RegistryChange } from '../contracts/registry/index.js';
import { governedOutcome } from './governed-write.js';
import { checkName, heldBy, keepMetadata, primaryUrl, registrationState, slugify } from './registration-parts.js';
import { mergePatch } from './merge-patch.js';
import { appendAudit, auditActor, REVIEW_EVENTS } from './review/review-audit.js';
import type { ReviewSettings } from './review/review-gate.js';
import { agentNotFound, type AgentOutcome, type NewInstance, type ProbePoint, type RegistryStore } from './store/registry-store.js';
import type { RegistryCaller } from './routes/write-auth.js';

/**
 * Body of a registration: an A2A card by URL or inline, or (`protocol: 'acp'`)
 * an ACP server's base URL, and the enterprise metadata.
 */
export interface RegistrationInput {
  /** The protocol the agent speaks; default `a2a`. `acp` takes `url` and registers each agent the server lists (or the one `name`d). */
  protocol?: 'a2a' | 'acp' | undefined;
  /** With `protocol: 'acp'`: the ACP server's base URL. */
  url?: string | undefined;
  cardUrl?: string | undefined;
  card?: unknown;
  name?: string | undefined;
  metadata?: unknown;
  status?: AgentStatus | undefined;
}

/** Body of `PATCH /v1/agents/{name}`: metadata is merged (a `null` removes a key). */
export interface AgentPatch {
  cardUrl?: string | undefined;
  card?: unknown;
  metadata?: Record<string, unknown> | undefined;
  status?: AgentStatus | undefined;
}

export interface InstanceInput {
  url: string;
  region?: string | undefined;
  version?: string | undefined;
  capacity?: number | undefined;
  leaseTtlMs?: number | undefined;
}

/** Limits the service enforces; durations in ms. */
export interface RegistryServiceOptions {
  store: RegistryStore;
  directory: AgentDirectory;
  feed: ChangeFeed;
  intake: CardIntake;
  /** The SSRF guard's verdicts on the URLs a registration names, remembered per origin. */
  verdicts: AddressVerdicts;
  publisher: string;
  defaultLeaseTtlMs: number;
  maxLeaseTtlMs: number;
  /** When a card change waits for a reviewer. */
  review: ReviewSettings;
  /** Checks a claim a write made or changed, at once. */
  ownership?: { kick(name: string): void } | undefined;
  /** Where holds are recorded (`registry.review.held`). */
  audit?: AuditLog | undefined;
  logger: Logger;
}

/** What a registration or an update did: the record as it is now, and the review it was held for, if it was. */
export interface WriteResult {
  record: AgentRecord;
  created: boolean;
  /** The id of the review holding the change: the record is the approved one, and the change waits (202). */
  heldFor?: string;
}

/**
 * What the registry does, apart from HTTP: admits cards, keeps records,
 * instances and configs, and applies its own writes to this replica's
 * directory at once (read-your-writes) before announcing them to the others.
 */
export class RegistryService {
  readonly #o: RegistryServiceOptions;
  readonly #ajv = new Ajv({ allErrors: true, strict: false });
  readonly #configValidators = new Map<string, { revision: number; validate: ValidateFunction }>();

  constructor(options: RegistryServiceOptions) {
    this.#o = options;
  }

  /** Registers an agent; `upsert` replaces an existing record instead of refusing it (or holds the change for review). */
  async register(input: RegistrationInput, mode: 'create' | 'upsert', caller?: RegistryCaller): Promise<WriteResult> {
    if (input.protocol === 'acp') {
      if (input.name === undefined) throw Errors.registryAcpNeedsName({});
      const { records, created, heldFor } = await this.registerAcp(input, mode, caller);
      return { record: records[0]!, created: created[0]!, ...(heldFor[0] !== undefined && { heldFor: heldFor[0] }) };
    }
    if (input.url !== undefined) throw Errors.registryUrlIsForAcp({});
    if ((input.cardUrl === undefined) === (input.card === undefined)) {
      throw Errors.registryCardOrCardUrl({});
    }
    const admitted = input.cardUrl !== undefined ? await this.#o.intake.fromUrl(input.cardUrl) : await this.#o.intake.fromJson(input.card);
    const name = input.name ?? slugify(admitted.card.name);
    checkName(name);
    const metadata = input.metadata === undefined ? undefined : validateAgentMetadata(input.metadata, admitted.card);
    // Everything is checked before anything commits: a refused card leaves no record behind.
    await checkInterfaceUrls(admitted.card, this.#o.verdicts);
    // A card fetched from a URL names where the agent runs: that endpoint is probed as a static instance.
    const endpoint = admitted.cardUrl !== undefined ? primaryUrl(admitted.card) : undefined;
    const instance = endpoint === undefined ? undefined : await this.#newInstance({ url: endpoint }, 'static');
    let created = false;
    let heldFor: string | undefined;
    const { record, changes } = await this.#o.store.writeAgent(name, (current, now) => {
      if (current && mode === 'create') {
        throw Errors.registryAgentExists({ quotedName: JSON.stringify(name), agent: name });
      }
      created = current === undefined;
      const outcome = this.#registration(current, name, admitted, metadata, { status: input.status, now, caller });
      heldFor = heldBy(outcome, current);
      return outcome;
    }, { instance });
    this.#written(changes, caller);
    const written = (instance && heldFor === undefined ? this.#o.directory.get(name) : undefined) ?? record!;
    return { record: written, created, ...(heldFor !== undefined && { heldFor }) };
  }

  /** The record a registration writes over `current` (the agent's identity, the admitted card, the state carried over), governed. */
  #registration(
    current: AgentRecord | undefined,
    name: string,
    admitted: Pick<AgentRecord, 'card' | 'cardUrl' | 'sourceProtocol' | 'signed' | 'bridge'>,
    metadata: AgentMetadata | undefined,
    write: { status: AgentStatus | undefined; now: number; caller: RegistryCaller | undefined },
  ): AgentOutcome | undefined {
    const next: AgentRecord = {
      name,
      identifier: `urn:air:${this.#o.publisher}:agent:${name}`,
      card: admitted.card,
      ...(admitted.cardUrl !== undefined && { cardUrl: admitted.cardUrl }),
      sourceProtocol: admitted.sourceProtocol,
      signed: admitted.signed,
      ...(admitted.bridge !== undefined && { bridge: admitted.bridge }),
      metadata: metadata ?? keepMetadata(current, admitted.card),
      ...registrationState(current, write.status, new Date(write.now).toISOString()),
    };
    return governedOutcome(this.#o.review, current, next, { kind: current ? 'updated' : 'registered', ...write });
  }

  /**
   * Registers the agents of the ACP server at `input.url` (each one it lists,
   * or the one `input.name`d) as bridged agents: a card derived from each
   * manifest, the manifest kept, the server a static instance probed at
   * `/ping`. Every manifest is fetched and checked, and every name and URL
   * cleared, before the first record commits: a refusal leaves nothing
   * behind.
   */
  async registerAcp(input: RegistrationInput, mode: 'create' | 'upsert', caller?: RegistryCaller): Promise<{ records: AgentRecord[]; created: boolean[]; heldFor: Array<string | undefined> }> {
    if (input.url === undefined) throw Errors.registryAcpNeedsUrl({});
    if (input.card !== undefined || input.cardUrl !== undefined) throw Errors.registryAcpTakesUrl({});
    const admitted = await this.#o.intake.fromAcp(input.url, input.name);
    const prepared = [];
    for (const agent of admitted) {
      const name = agent.bridge.agentName;
      checkName(name);
      const metadata = input.metadata === undefined ? undefined : validateAgentMetadata(input.metadata, agent.card);
      await checkInterfaceUrls(agent.card, this.#o.verdicts);
      const instance = await this.#newInstance({ url: agent.bridge.url }, 'static');
      if (mode === 'create' && (await this.#o.store.getAgent(name)) !== undefined) {
        throw Errors.registryAgentExists({ quotedName: JSON.stringify(name), agent: name });
      }
      prepared.push({ name, agent, metadata, instance });
    }
    const created = new Map<string, boolean>();
    const held = new Map<string, string>();
    const { changes } = await this.#o.store.writeAgents(
      prepared.map(({ name, agent, metadata, instance }) => ({
        name,
        instance,
        decide: (current: AgentRecord | undefined, now: number) => {
          // Checked above; a concurrent registration of the same name in between still loses, and takes the others with it.
          if (current && mode === 'create') throw Errors.registryAgentExists({ quotedName: JSON.stringify(name), agent: name });
          created.set(name, current === undefined);
          const outcome = this.#registration(current, name, { ...agent, signed: false }, metadata, { status: input.status, now, caller });
          const heldFor = heldBy(outcome, current);
          if (heldFor !== undefined) held.set(name, heldFor);
          return outcome;
        },
      })),
    );
    this.#written(changes, caller);
    const records: AgentRecord[] = [];
    for (const { name } of prepared) records.push(this.#o.directory.get(name) ?? (await this.get(name)));
    return { records, created: prepared.map(({ name }) => created.get(name) ?? false), heldFor: prepared.map(({ name }) => held.get(name)) };
  }

  async update(name: string, patch: AgentPatch, ifRevision?: number, caller?: RegistryCaller): Promise<WriteResult> {
    if (patch.card !== undefined && patch.cardUrl !== undefined) throw Errors.registryCardAndCardUrl({});
    if (patch.card !== undefined || patch.cardUrl !== undefined) {
      const bridged = (await this.#o.store.getAgent(name))?.bridge;
      if (bridged !== undefined) throw Errors.registryBridgedCard({ agent: name, PROTOCOL: bridged.protocol.toUpperCase(), protocol: bridged.protocol });
    }
    const admitted = patch.cardUrl !== undefined ? await this.#o.intake.fromUrl(patch.cardUrl) : patch.card !== undefined ? await this.#o.intake.fromJson(patch.card) : undefined;
    if (admitted) await checkInterfaceUrls(admitted.card, this.#o.verdicts);
    const current = await this.#o.store.getAgent(name);
    if (!current) throw agentNotFound(name);
    const card = admitted?.card ?? current.card;
    const metadata = patch.metadata === undefined ? keepMetadata(current, card) : validateAgentMetadata(mergePatch(current.metadata, patch.metadata), card);
    let heldFor: string | undefined;
    const { record, changes } = await this.#o.store.writeAgent(name, (latest, now) => {
      if (!latest) throw agentNotFound(name);
      if (ifRevision !== undefined && latest.revision !== ifRevision) {
        throw Errors.registryRevisionMismatch({ agent: name, revision: latest.revision, expected: ifRevision });
      }
      const next: AgentRecord = {
        ...latest,
        card,
        ...(admitted && { sourceProtocol: admitted.sourceProtocol, signed: admitted.signed }),
        ...(admitted?.cardUrl !== undefined && { cardUrl: admitted.cardUrl }),
        metadata,
        status: patch.status ?? latest.status,
        revision: latest.revision + 1,
        updatedAt: new Date(now).toISOString(),
      };
      const outcome = governedOutcome(this.#o.review, latest, next, { kind: 'updated', status: patch.status, now, caller });
      heldFor = heldBy(outcome, latest);
      return outcome;
    });
    this.#written(changes, caller);
    return { record: record!, created: false, ...(heldFor !== undefined && { heldFor }) };
  }

  async deregister(name: string): Promise<void> {
    const { changes } = await this.#o.store.writeAgent(name, (current) => {
      if (!current) throw agentNotFound(name);
      return { kind: 'deregistered', record: null };
    });
    this.#applied(changes);
  }

  async get(name: string): Promise<AgentRecord> {
    const record = await this.#o.store.getAgent(name);
    if (!record) throw agentNotFound(name);
    return record;
  }

  async addInstance(name: string, input: InstanceInput, kind: 'leased' | 'static' = 'leased'): Promise<AgentInstance> {
    const { instance, changes } = await this.#o.store.addInstance(name, await this.#newInstance(input, kind));
    this.#applied(changes);
    return instance;
  }

  /** An instance checked (URL, SSRF guard, lease) before it is stored. */
  async #newInstance(input: InstanceInput, kind: 'leased' | 'static'): Promise<NewInstance> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw Errors.registryUrlNotHttp({});
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Errors.registryUrlNotHttp({});
    // A forbidden address is refused now, with the reason, rather than probed into a
    // wall forever; a host that does not resolve yet (a starting pod) is the probe's business.
    const refusal = await this.#o.verdicts.refusal(url);
    if (refusal) throw refusal;
    const ttl = input.leaseTtlMs ?? this.#o.defaultLeaseTtlMs;
    if (kind === 'leased' && (!Number.isInteger(ttl) || ttl < 1000 || ttl > this.#o.maxLeaseTtlMs)) {
      throw Errors.registryLeaseTtlOutOfRange({ max: this.#o.maxLeaseTtlMs });
    }
    return {
      id: uuidv7(),
      url: url.toString().replace(/\/$/, ''),
      region: input.region,
      version: input.version,
      capacity: input.capacity,
      kind,
      leaseTtlMs: kind === 'leased' ? ttl : undefined,
    };
  }

  async heartbeat(name: string, id: string): Promise<{ leaseExpiresAt: string }> {
    const result = await this.#o.store.heartbeat(name, id);
    if (!result) {
      throw Errors.instanceLeaseLost({ agent: name, instance: id });
    }
    this.#applied(result.changes);
    return { leaseExpiresAt: result.leaseExpiresAt };
  }

  async removeInstance(name: string, id: string): Promise<void> {
    const { removed, changes } = await this.#o.store.removeInstance(name, id);
    if (!removed) throw Errors.instanceNotFound({ agent: name, instance: id });
    this.#applied(changes);
  }

  async instances(name: string): Promise<AgentInstance[]> {
    await this.get(name);
    return this.#o.store.listInstances(name);
  }

  /** The instances of the agents listed (a page of the directory), by agent. */
  async instancesOf(names: readonly string[]): Promise<Map<string, AgentInstance[]>> {
    return this.#o.store.listInstancesOf(names);
  }

  async health(name: string, historySize = 20): Promise<{ agent: string; health: AgentRecord['health']; instances: Array<AgentInstance & { history: ProbePoint[] }> }> {
    const record = await this.get(name);
    const instances = await this.#o.store.listInstances(name);
    return {
      agent: name,
      health: record.health,
      instances: await Promise.all(instances.map(async (i) => ({ ...i, history: await this.#o.store.probeHistory(i.id, historySize) }))),
    };
  }

  async activeConfig(name: string): Promise<AgentConfigVersion> {
    const config = await this.#o.store.getConfig(name);
    if (!config) throw Errors.configNotYet({ agent: name });
    return config;
  }

  async configVersions(name: string): Promise<AgentConfigVersion[]> {
    return this.#o.store.listConfigs(name);
  }

  async configVersion(name: string, version: number): Promise<AgentConfigVersion> {
    const config = await this.#o.store.getConfig(name, version);
    if (!config) throw Errors.configVersionNotFound({ agent: name, version });
    return config;
  }

  /** A new immutable version, validated against the agent's config schema, made active. */
  async putConfig(name: string, config: unknown, options: { comment?: string | undefined; actor?: string | undefined } = {}): Promise<AgentConfigVersion> {
    if (!isRecord(config)) throw Errors.registryConfigNotObject({});
    const { version, changes } = await this.#o.store.putConfig(name, async (record) => {
      this.#checkConfig(record, config);
      return { config, comment: options.comment, createdBy: options.actor };
    });
    this.#applied(changes);
    return version;
  }

  /** Rollback: a new version whose content is that of `version` (history stays linear and immutable). */
  async rollback(name: string, version: number, actor?: string): Promise<AgentConfigVersion> {
    const { version: created, changes } = await this.#o.store.putConfig(name, async (record, versionOf) => {
      const old = await versionOf(version);
      if (!old) throw Errors.configVersionNotFound({ agent: name, version });
      this.#checkConfig(record, old);
      return { config: old, comment: `rollback to version ${version}`, createdBy: actor };
    });
    this.#applied(changes);
    return created;
  }

  #checkConfig(record: AgentRecord, config: Record<string, unknown>): void {
    const schema = record.metadata.configSchema;
    if (!schema) return;
    let cached = this.#configValidators.get(record.name);
    if (!cached || cached.revision !== record.revision) {
      cached = { revision: record.revision, validate: this.#ajv.compile(schema) };
      this.#configValidators.set(record.name, cached);
    }
    if (cached.validate(config)) return;
    const violations = (cached.validate.errors ?? []).map((e) => ({ field: `config${e.instancePath.replace(/\//g, '.')}`, description: e.message ?? 'is invalid' }));
    throw Errors.registryConfigSchemaMismatch({ agent: record.name, problems: violations.map((v) => `${v.field} ${v.description}`).join('; ') }, { violations });
  }

  /** Applies this replica's own changes at once (read-your-writes), announces them, and starts what they call for. */
  #applied(changes: RegistryChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) this.#o.directory.apply(change);
    this.#o.feed.announce();
    for (const change of changes) {
      const ownership = change.record?.ownership;
      if (ownership?.status === 'unverified' && ownership.checkedAt === undefined) this.#o.ownership?.kick(change.agent);
    }
  }

  /** {@link #applied}, and the holds among the changes recorded in the audit trail with who submitted them. */
  #written(changes: RegistryChange[], caller: RegistryCaller | undefined): void {
    this.#applied(changes);
    for (const change of changes) {
      if (change.kind !== 'review_requested') continue;
      appendAudit(this.#o.audit, { eventType: REVIEW_EVENTS.held, actor: auditActor(caller), ...(caller?.tenant !== undefined && { tenant: caller.tenant }), targetAgent: change.agent, outcome: 'ok', detail: change.detail ?? {} }, this.#o.logger);
    }
  }

  /** Applies changes written elsewhere in the registry (a review's decision, an ownership verdict) the same way. */
  applyChanges(changes: RegistryChange[]): void {
    this.#applied(changes);
  }

  /** A static instance of `url`, checked as a registration's (the endpoint of an approved card fetched by URL). */
  staticInstance(url: string): Promise<NewInstance> {
    return this.#newInstance({ url }, 'static');
  }
}
