import { createHmac, hkdfSync } from 'node:crypto';
import { deriveSealingKey, isSealedValue, openWithKeys, readOrCreateSecretFile, sealValue, type PushConfigRecord, type PushStore, type ResealCount, type SealingKeys } from '../../storage/index.js';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';
import type { Logger } from '../../observability/index.js';

/** HKDF salt and info of the push-config key: no other key derived from the same secret can stand in for it. */
const SALT = 'agentmesh/runtime';
const INFO = 'push-config-encryption v1';
/** Configs sealed per batch at start, and read per batch by a rotation. */
const MIGRATION_BATCH = 100;
/** HKDF info of the key that hashes webhook origins (ADR 0027): apart from the sealing key's use. */
const ORIGIN_INFO = 'push-origin-key v1';
/** The canary every replica must open before it serves (ADR 0027). */
export const PUSH_SECRET_CANARY = 'push-config-secret';
const CANARY_CONTEXT = `sealed-canary:${PUSH_SECRET_CANARY}`;
const CANARY_TEXT = 'agentmesh push-config secret canary v1';

/** What the database's canary says of a replica's secret. */
export type CanaryCheck = 'current' | 'previous' | 'foreign';

/** Where the runtime's secret comes from: the configured value, else the file (created 0600 when missing). */
export interface PushSealingKeySource {
  secret?: string | undefined;
  /** The secret being retired (`previousStorageSecret`, AGENTMESH_SECRET_PREVIOUS): what it sealed still opens. */
  previousSecret?: string | undefined;
  file: string;
  logger: Logger;
  /** Level of the line that says the file was just generated. Default `warn`. */
  generatedLogLevel?: 'warn' | 'info' | undefined;
}

/**
 * The keys that seal push configs at rest, derived (HKDF-SHA-256) from the
 * runtime's secret: `storageSecret` (AGENTMESH_SECRET) when set, else a
 * secret file in the data dir created on first start, as the gateway keeps
 * its own; plus the previous secret's key during a rotation. Every replica
 * sharing a database needs the same secret.
 *
 * @example
 * const keys = await loadPushSealingKey({ secret: config.storageSecret, file: join(config.dataDir, 'runtime-secret'), logger });
 */
export async function loadPushSealingKey(source: PushSealingKeySource): Promise<SealingKeys> {
  let secret = source.secret;
  if (secret === undefined) {
    const found = await readOrCreateSecretFile(source.file);
    const log = source.logger.child({ module: 'push' });
    if (found.created) log[source.generatedLogLevel ?? 'warn']({ file: source.file }, 'generated a secret that seals push configs at rest; replicas on other hosts need the same one (set AGENTMESH_SECRET)');
    if (found.loose) log.warn({ file: source.file, mode: found.mode.toString(8) }, 'runtime secret file is readable by group or others; chmod 600 it');
    secret = found.secret;
  }
  return pushSealingKeys(secret, source.previousSecret);
}

/**
 * The push-config keys of a secret and, during a rotation, of the previous one.
 *
 * @example
 * const keys = pushSealingKeys(newSecret, oldSecret);
 */
export function pushSealingKeys(secret: string, previousSecret?: string): SealingKeys {
  return Object.freeze({ current: deriveSealingKey(secret, SALT, INFO), previous: previousSecret === undefined ? undefined : deriveSealingKey(previousSecret, SALT, INFO) });
}

/** The row a sealed config belongs to: a sealed value copied onto another row does not open. */
const contextOf = (taskId: string, id: string): string => `push-config:${taskId}/${id}`;

/**
 * A {@link PushStore} that seals each config (its URL, webhook `token` and
 * `authentication.credentials`: the whole TaskPushNotificationConfig) with
 * AES-256-GCM before it is stored, and opens it when read, so neither a
 * database dump nor a backup holds a webhook credential (docs/security.md#secrets-at-rest). Rows
 * stored as JSON text before configs were sealed still read; {@link
 * SealedPushStore.sealExisting} seals them in place.
 *
 * @example
 * const push = new SealedPushStore(stores.push, await loadPushSealingKey({ file, logger }));
 * await push.sealExisting();
 */
export class SealedPushStore implements PushStore {
  readonly #store: PushStore;
  readonly #keys: SealingKeys;
  readonly #originKey: Buffer;

  /** `keys`: one key, or the current and previous ones during a rotation of the secret. */
  constructor(store: PushStore, keys: Buffer | SealingKeys) {
    this.#store = store;
    this.#keys = Buffer.isBuffer(keys) ? { current: keys } : keys;
    this.#originKey = Buffer.from(hkdfSync('sha256', this.#keys.current, SALT, ORIGIN_INFO, 32));
  }

  /**
   * A key for another use of the runtime's secret (HKDF-SHA-256 of the
   * sealing key, `info` naming the use: no two uses share a key), and the
   * previous secret's during a rotation: what one replica MACs, every replica
   * sharing the secret checks.
   *
   * @example
   * const { current } = pushStore.derivedKeys('workflow-callback v1');
   */
  derivedKeys(info: string): { current: Buffer; previous: Buffer | undefined } {
    const derive = (key: Buffer): Buffer => Buffer.from(hkdfSync('sha256', key, SALT, info, 32));
    return { current: derive(this.#keys.current), previous: this.#keys.previous === undefined ? undefined : derive(this.#keys.previous) };
  }

  /** Seals the config and records its webhook's origin as a keyed hash, so the outbox groups rows by receiver. */
  putConfig(config: PushConfigRecord): Promise<void> {
    return this.#store.putConfig({ ...config, config: this.#seal(config), originKey: this.originKeyOf(config.config) });
  }

  /**
   * The keyed hash (HMAC-SHA-256, a key derived from the secret) of the
   * origin of a config's URL: equal for equal origins on every replica that
   * shares the secret, and no host name in the database. Null when the config
   * holds no usable URL.
   */
  originKeyOf(configJson: string): string | null {
    let origin: string;
    try {
      const url = new URL((JSON.parse(configJson) as { url?: unknown }).url as string);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
      origin = url.origin;
    } catch {
      return null;
    }
    return createHmac('sha256', this.#originKey).update(origin).digest('base64url').slice(0, 22);
  }

  async getConfig(taskId: string, id: string): Promise<PushConfigRecord | undefined> {
    const record = await this.#store.getConfig(taskId, id);
    return record && this.#open(record);
  }

  async listConfigs(taskId: string): Promise<PushConfigRecord[]> {
    return (await this.#store.listConfigs(taskId)).map((record) => this.#open(record));
  }

  /** The configs still stored in clear, opened as they are (nothing to open). */
  configsNotSealed(limit: number): Promise<PushConfigRecord[]> {
    return this.#store.configsNotSealed(limit);
  }

  configsAfter(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
    return this.#store.configsAfter(after, limit);
  }

  configsWithoutOrigin(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]> {
    return this.#store.configsWithoutOrigin(after, limit);
  }

  setConfigOrigin(taskId: string, id: string, config: string, originKey: string): Promise<boolean> {
    return this.#store.setConfigOrigin(taskId, id, config, originKey);
  }

  /**
   * Records the origin key of the configs stored before origins were
   * (migration 0015), in batches, each only if unchanged since read, so
   * their rows join their receiver's backoff (ADR 0027). A config this
   * replica cannot open is left as it is. Returns how many it recorded.
   */
  async recordOrigins(): Promise<number> {
    let recorded = 0;
    let after: { taskId: string; id: string } | undefined;
    for (;;) {
      const batch = await this.#store.configsWithoutOrigin(after, MIGRATION_BATCH);
      for (const record of batch) {
        let originKey: string | null;
        try {
          originKey = this.originKeyOf(this.#open(record).config);
        } catch {
          continue;
        }
        if (originKey !== null && (await this.#store.setConfigOrigin(record.taskId, record.id, record.config, originKey))) recorded++;
      }
      if (batch.length < MIGRATION_BATCH) return recorded;
      const last = batch[batch.length - 1]!;
      after = { taskId: last.taskId, id: last.id };
    }
  }

  /** Replaces stored text as is: callers pass what the store holds. */
  replaceConfig(taskId: string, id: string, from: string, to: string): Promise<boolean> {
    return this.#store.replaceConfig(taskId, id, from, to);
  }

  deleteConfig(taskId: string, id: string): Promise<boolean> {
    return this.#store.deleteConfig(taskId, id);
  }

  claimDue: PushStore['claimDue'] = (options) => this.#store.claimDue(options);
  claimNext: PushStore['claimNext'] = (taskId, configId, options) => this.#store.claimNext(taskId, configId, options);
  markDelivered: PushStore['markDelivered'] = (id, now) => this.#store.markDelivered(id, now);
  markRetry: PushStore['markRetry'] = (id, options) => this.#store.markRetry(id, options);
  markDead: PushStore['markDead'] = (id, options) => this.#store.markDead(id, options);
  stats: PushStore['stats'] = () => this.#store.stats();
  markOriginDown: PushStore['markOriginDown'] = (originKey, options) => this.#store.markOriginDown(originKey, options);
  markOriginUp: PushStore['markOriginUp'] = (originKey) => this.#store.markOriginUp(originKey);
  releaseOriginProbe: PushStore['releaseOriginProbe'] = (originKey) => this.#store.releaseOriginProbe(originKey);
  releaseClaimsOf: PushStore['releaseClaimsOf'] = (silent) => this.#store.releaseClaimsOf(silent);
  deadLetterOrigin: PushStore['deadLetterOrigin'] = (originKey, options) => this.#store.deadLetterOrigin(originKey, options);
  originsDown: PushStore['originsDown'] = () => this.#store.originsDown();
  getCanary: PushStore['getCanary'] = (name) => this.#store.getCanary(name);
  putCanaryIfAbsent: PushStore['putCanaryIfAbsent'] = (name, value, now) => this.#store.putCanaryIfAbsent(name, value, now);
  replaceCanary: PushStore['replaceCanary'] = (name, from, to) => this.#store.replaceCanary(name, from, to);

  /**
   * Opens the database's canary: a value the first replica sealed under its
   * secret. Writes it when the database has none. A canary only the previous
   * key opens is re-sealed under the current one (a rotation reached this
   * replica), so a replica still on the retired secret learns it is stale.
   * `'foreign'`: this replica's secret is not the one the database's push
   * configs are sealed under.
   */
  async checkCanary(now: number): Promise<CanaryCheck> {
    const stored = (await this.#store.getCanary(PUSH_SECRET_CANARY)) ?? (await this.#store.putCanaryIfAbsent(PUSH_SECRET_CANARY, this.#sealCanary(), now));
    try {
      const opened = openWithKeys(this.#keys, stored, CANARY_CONTEXT);
      if (!opened.underPrevious) return 'current';
      await this.#store.replaceCanary(PUSH_SECRET_CANARY, stored, this.#sealCanary());
      return 'previous';
    } catch (err) {
      if (err instanceof AgentmeshError && err.code === ErrorCodes.CONFIG_INVALID) return 'foreign';
      throw err;
    }
  }

  /** True while this replica's current or previous key opens the canary (the worker asks before dead-lettering). */
  async secretOpensCanary(): Promise<boolean> {
    const stored = await this.#store.getCanary(PUSH_SECRET_CANARY);
    if (stored === undefined) return true;
    try {
      openWithKeys(this.#keys, stored, CANARY_CONTEXT);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Seals the configs stored in clear by an earlier version, in batches, each
   * only if unchanged since read (replicas starting together do not clash).
   * Returns how many it sealed.
   */
  async sealExisting(): Promise<number> {
    let sealed = 0;
    for (;;) {
      const batch = await this.#store.configsNotSealed(MIGRATION_BATCH);
      let progressed = false;
      for (const record of batch) {
        if (await this.#store.replaceConfig(record.taskId, record.id, record.config, this.#seal(record))) {
          sealed++;
          progressed = true;
        }
      }
      // A short batch was the last; a batch where nothing moved would come back the same.
      if (batch.length < MIGRATION_BATCH || !progressed) return sealed;
    }
  }

  /**
   * Re-seals under the current key every config only the previous key opens
   * (the step that finishes a rotation of AGENTMESH_SECRET), each only if
   * unchanged since read, so it is safe beside serving replicas and a second
   * run. `dryRun` counts without writing. A config neither key opens fails
   * the walk: the secrets given are not the ones that sealed it.
   */
  async resealUnderPrevious(options: { dryRun?: boolean } = {}): Promise<ResealCount> {
    const count: ResealCount = { checked: 0, underCurrent: 0, underPrevious: 0, resealed: 0 };
    let after: { taskId: string; id: string } | undefined;
    for (;;) {
      const batch = await this.#store.configsAfter(after, MIGRATION_BATCH);
      for (const record of batch) {
        count.checked++;
        if (!isSealedValue(record.config)) continue;
        const opened = openWithKeys(this.#keys, record.config, contextOf(record.taskId, record.id));
        if (!opened.underPrevious) {
          count.underCurrent++;
          continue;
        }
        count.underPrevious++;
        if (options.dryRun === true) continue;
        const resealed = { ...record, config: opened.plaintext.toString('utf8') };
        if (await this.#store.replaceConfig(record.taskId, record.id, record.config, this.#seal(resealed))) count.resealed++;
      }
      if (batch.length < MIGRATION_BATCH) return count;
      const last = batch[batch.length - 1]!;
      after = { taskId: last.taskId, id: last.id };
    }
  }

  #sealCanary(): string {
    return sealValue(this.#keys.current, Buffer.from(CANARY_TEXT, 'utf8'), CANARY_CONTEXT);
  }

  #seal(record: PushConfigRecord): string {
    return sealValue(this.#keys.current, Buffer.from(record.config, 'utf8'), contextOf(record.taskId, record.id));
  }

  #open(record: PushConfigRecord): PushConfigRecord {
    // JSON text is a row from before sealing: it reads as it is until sealExisting seals it.
    if (!isSealedValue(record.config)) return record;
    return { ...record, config: openWithKeys(this.#keys, record.config, contextOf(record.taskId, record.id)).plaintext.toString('utf8') };
  }
}
