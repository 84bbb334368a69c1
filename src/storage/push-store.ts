import type { ReplicaHeartbeat } from './task-store.js';

/** A push notification config of one task, as stored. */
export interface PushConfigRecord {
  taskId: string;
  id: string;
  tenant: string;
  /**
   * TaskPushNotificationConfig as A2A v1 JSON, as the runtime stores it: the
   * runtime seals it (credentials, webhook token, URL) before it reaches the
   * store, so the stored text is opaque here; rows written before that hold
   * the JSON itself.
   */
  config: string;
  /** Protocol version the webhook was registered over ('1.0' | '0.3'). */
  protocol: string;
  createdAt: number;
  /**
   * Keyed hash of the webhook's origin (scheme, host, port) that the outbox
   * groups deliveries by, so one receiver's outage is backed off once (ADR
   * 0027). Set by the runtime when it seals the config; undefined or null for
   * configs stored before: their rows keep a backoff of their own.
   */
  originKey?: string | null | undefined;
}

/** One pending delivery: event `seq` of `taskId` to config `configId`. */
export interface OutboxRecord {
  id: number;
  taskId: string;
  configId: string;
  seq: number;
  attempts: number;
  createdAt: number;
  /** Its config's origin key; null when the config has none (rows back off on their own). */
  originKey: string | null;
  /** True when the row was claimed as the one probe of an origin marked failing. */
  probe: boolean;
}

/** Options of {@link PushStore.claimDue}. */
export interface ClaimOptions {
  /** The claimer's now: which rows are due (their retry times are the claimers' own). */
  now: number;
  owner: string;
  /**
   * How long the claim holds, on the database's clock: a lease is written and
   * judged by the one clock every replica shares (the host's, for SQLite), so
   * a replica whose clock runs ahead does not take over rows still being sent.
   */
  leaseMs: number;
  /** Rows claimed at most, probes included. */
  limit: number;
  /** Rows of one origin claimed at most (rows without an origin key count each as their own). Default: no bound. */
  perOrigin?: number | undefined;
  /**
   * Origin keys whose rows are not claimed (probes aside): those this replica
   * is still delivering to, so a slow receiver gets no more of its rows while
   * another's are claimed at once (ADR 0027). Default: none.
   */
  skipOrigins?: readonly string[] | undefined;
}

/** Who settles a claimed outbox row, and when. */
export interface Settle {
  now: number;
  /** The claim's owner ({@link ClaimOptions.owner}): a row claimed by another since is left as it is. */
  owner: string;
}

/** Options of {@link PushStore.claimNext}. */
export type ClaimNextOptions = Pick<ClaimOptions, 'now' | 'owner' | 'leaseMs'>;

/** What a failure of an origin sets, see {@link PushStore.markOriginDown}. */
export interface OriginDown {
  now: number;
  /** True when the failure was the origin's probe: the failure count grows. Else it only starts at 1. */
  probe: boolean;
  error: string;
  /** When the next probe may run, given the origin's consecutive failures (1 for the first). */
  nextProbeAt: (failures: number) => number;
}

/** A row {@link PushStore.deadLetterOrigin} dead-lettered. */
export interface DeadLetteredRow {
  taskId: string;
  configId: string;
}

/** Counts of the outbox by state, for metrics. */
export interface OutboxStats {
  pending: number;
  dead: number;
}

/**
 * Push configs and the delivery outbox. Outbox rows are written by
 * {@link TaskStore.append}; this interface claims and settles them.
 */
export interface PushStore {
  putConfig(config: PushConfigRecord): Promise<void>;
  getConfig(taskId: string, id: string): Promise<PushConfigRecord | undefined>;
  listConfigs(taskId: string): Promise<PushConfigRecord[]>;
  /**
   * Up to `limit` configs still stored as JSON text (`{…}`), written before
   * the runtime sealed them at rest: the runtime seals them at start.
   */
  configsNotSealed(limit: number): Promise<PushConfigRecord[]>;
  /**
   * Up to `limit` configs after `after` in (task id, config id) order, every
   * tenant's: a rotation of the runtime's secret walks them all to re-seal
   * the ones still sealed under the previous secret.
   */
  configsAfter(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]>;
  /**
   * Up to `limit` configs after `after` in (task id, config id) order whose
   * origin key is unset (stored before migration 0015): the runtime records
   * their origins at start.
   */
  configsWithoutOrigin(after: { taskId: string; id: string } | undefined, limit: number): Promise<PushConfigRecord[]>;
  /** Sets a config's origin key if it has none and its stored text still is `config`; false otherwise. */
  setConfigOrigin(taskId: string, id: string, config: string, originKey: string): Promise<boolean>;
  /** Sets a config's stored text to `to` if it still is `from`; false when it changed or is gone. */
  replaceConfig(taskId: string, id: string, from: string, to: string): Promise<boolean>;
  /** Deletes a config and its undelivered outbox rows; false when it did not exist. */
  deleteConfig(taskId: string, id: string): Promise<boolean>;
  /**
   * Claims due deliveries for `owner` for `leaseMs`. Only the oldest
   * undelivered row of each (task, config) is eligible, so deliveries to one
   * webhook stay in order; at most `perOrigin` rows of one origin. An origin
   * marked failing ({@link markOriginDown}) yields no row except its one
   * probe, when the probe is due and no replica holds it: the oldest-tried
   * head row of that origin, returned with `probe: true`.
   */
  claimDue(options: ClaimOptions): Promise<OutboxRecord[]>;
  /**
   * Claims the head row of one (task, config) if it is due, unclaimed and its
   * origin is not failing: the next notification of a task whose previous one
   * was just settled, sent without waiting for the next claim.
   */
  claimNext(taskId: string, configId: string, options: ClaimNextOptions): Promise<OutboxRecord | undefined>;
  /**
   * Settles a row `owner` claimed: delivered, due again at `nextAttemptAt`,
   * or dead-lettered. Each writes only while the row is still `owner`'s
   * claim, and says whether it did: a replica whose lease ran out (a pause,
   * a clock ahead) settling late would otherwise clear the claim of the
   * replica that took the row over, and a third would send it beside it,
   * the task's next notification racing the duplicate.
   */
  markDelivered(id: number, options: Settle): Promise<boolean>;
  markRetry(id: number, options: Settle & { nextAttemptAt: number; error: string }): Promise<boolean>;
  markDead(id: number, options: Settle & { error: string }): Promise<boolean>;
  stats(): Promise<OutboxStats>;
  /**
   * Releases the outbox claims and origin probes held by replicas judged
   * silent (their heartbeat watched unchanged for a lease, ADR 0086), each
   * only while its heartbeat row still holds the value judged stale (or is
   * gone): a replica that crashed mid-delivery leaves its rows to the others
   * at once, not after its leases, which its own clock may have written long
   * (a clock ahead, a clock stepped back since). Returns the rows released.
   */
  releaseClaimsOf(silent: readonly ReplicaHeartbeat[]): Promise<number>;
  /**
   * Records that deliveries to an origin fail. The first failure creates its
   * state with failures = 1; a failed probe adds one; a failure of a row that
   * was no probe, while the origin is already failing, changes nothing (rows
   * claimed together fail together). Releases the probe. Returns the
   * consecutive failures.
   */
  markOriginDown(originKey: string, options: OriginDown): Promise<number>;
  /**
   * Dead-letters, with `error`, every pending row of an origin written
   * before `createdBefore` and not claimed: past the retry window while the
   * origin failed. Returns the task and config of each (a workflow launch
   * among them fails its task).
   */
  deadLetterOrigin(originKey: string, options: { createdBefore: number; error: string; now: number }): Promise<DeadLetteredRow[]>;
  /** Frees an origin's probe without a verdict (its row sent nothing): the next probe may be taken now. */
  releaseOriginProbe(originKey: string): Promise<void>;
  /** The origin answered: every due row of it is claimable again at once. */
  markOriginUp(originKey: string): Promise<void>;
  /** Origins currently failing (all replicas), for metrics. */
  originsDown(): Promise<number>;
  /** A sealed canary's stored value, if written. */
  getCanary(name: string): Promise<string | undefined>;
  /** Writes a canary unless one of that name exists; returns the value stored (the first writer's). */
  putCanaryIfAbsent(name: string, value: string, now: number): Promise<string>;
  /** Sets a canary to `to` if it still is `from`. */
  replaceCanary(name: string, from: string, to: string): Promise<boolean>;
}
