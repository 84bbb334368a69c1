import { Errors } from '../../protocol/index.js';
import type { Logger, Metrics, RecentTraces, Tracing } from '../../observability/index.js';
import type { PushStore, TaskStore } from '../../storage/index.js';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, DEFAULT_ORIGIN_BACKOFF_BASE_MS, DEFAULT_ORIGIN_BACKOFF_MAX_MS } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import type { OutboxKind } from './outbox-kind.js';
import type { PushSigner } from './push-signer.js';
import type { WebhookGuard } from './webhook-guard.js';

/** What the worker uses of tracing (`enabled` and `startActiveSpan` only matter when spans are exported). */
export type PushTracing = Pick<Tracing, 'injectTraceparent'> & Partial<Pick<Tracing, 'enabled' | 'startActiveSpan'>>;

/** The metric factories the worker uses (get-or-create, as in `observability`). */
export type PushMetrics = Pick<Metrics, 'counter' | 'histogram' | 'gauge'>;

/**
 * The issuer (`iss`) of a task's notifications: the agent's base URL or card
 * URL. A function is given the task's agent and tenant, so one worker can
 * serve every agent of a process (`/agents/{name}`).
 */
export type PushIssuer = string | ((taskId: string, task: { agent: string; tenant: string }) => string);

/** Options of {@link PushDeliveryWorker}. Durations are milliseconds. */
export interface PushDeliveryWorkerOptions {
  /** Where event payloads are read (and, for a function issuer, the task's agent). */
  taskStore: Pick<TaskStore, 'events' | 'get'>;
  /** The outbox and the configs. */
  pushStore: PushStore;
  /** SSRF guard every webhook call goes through (re-checked per attempt). */
  guard: WebhookGuard;
  /** Signs each attempt ({@link createPushSigner}). */
  signer: PushSigner;
  /** Parent logger; the worker logs under `{ component: 'push' }`. */
  logger: Logger;
  /** Metric factories (`createMetrics()` from observability). */
  metrics: PushMetrics;
  /** Lease owner name of this replica in the outbox. */
  replicaId: string;
  /** `iss` of the signatures; see {@link PushIssuer}. */
  agentBaseUrl: PushIssuer;
  /** Adds `traceparent` to webhook calls when a trace is active, and records a CLIENT span per call when enabled. Optional. */
  tracing?: PushTracing | undefined;
  /** The trace of each task's request (kept by the task engine): webhook calls join it. Optional. */
  taskTraces?: RecentTraces | undefined;
  /** Pause between polls when the last batch was not full. Default 500. */
  pollIntervalMs?: number;
  /** Rows claimed per cycle. Default 50. */
  batchSize?: number;
  /** Deliveries in flight at once (each to a different task+config). Default 8. */
  concurrency?: number;
  /**
   * Rows of one webhook origin (scheme, host, port) claimed per cycle, hence
   * in flight to it at once, per replica: a slow receiver is never sent more.
   * Default 4.
   */
  originConcurrency?: number;
  /** How long a claim protects a row from other replicas; must exceed `timeoutMs`. Default 30000. */
  leaseMs?: number;
  /** Attempts after which a row is dead-lettered. Default: unlimited (the window decides). */
  maxAttempts?: number | undefined;
  /** Age (from the row's creation) after which a failing row is dead-lettered. Default 86400000 (24 h). */
  retryWindowMs?: number;
  /**
   * Backoff of one row whose receiver answered but refused it (3xx, 4xx), and
   * of every failing row whose config has no origin key (stored by an
   * earlier version): exponential with full jitter. Default `{ baseMs: 1000, maxMs: 300000 }`.
   */
  backoff?: BackoffOptions;
  /**
   * Backoff of a failing origin (connection refused, timeout, 408, 429, 5xx):
   * the delay between its probes, one delivery at a time for the whole fleet,
   * exponential with equal jitter (between half the delay and the delay).
   * Its cap is how long a receiver back from an outage may wait for its
   * backlog. Default `{ baseMs: 1000, maxMs: 5000 }` (ADR 0027).
   */
  originBackoff?: BackoffOptions;
  /**
   * True when this replica's secret still opens the database's sealed
   * canary (SealedPushStore.secretOpensCanary). Asked when a config cannot be
   * opened: true dead-letters the row at once (nobody holding the fleet's
   * secret can open it), false releases it at once for a replica that can.
   * Default: dead-letter.
   */
  secretIsCurrent?: () => Promise<boolean>;
  /**
   * Rows of other kinds than push notifications, by their config's
   * `protocol` (see outbox-kind.ts): the runtime's workflow launches.
   */
  kinds?: ReadonlyMap<string, OutboxKind>;
  /** Bound on one webhook call. Default 10000 (A2A §4.3.3 recommends 10–30 s). */
  timeoutMs?: number;
  /** Least time between two refreshes of the outbox gauges. Default 5000; 0 refreshes every cycle. */
  statsIntervalMs?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** `[0, 1)` source of the jitter. Default `Math.random`. */
  random?: () => number;
}

/** The worker's settings with defaults applied, checked once at construction. */
export interface ResolvedPushDeliveryOptions {
  pollIntervalMs: number;
  batchSize: number;
  concurrency: number;
  originConcurrency: number;
  leaseMs: number;
  maxAttempts: number | undefined;
  retryWindowMs: number;
  backoff: Required<BackoffOptions>;
  originBackoff: Required<BackoffOptions>;
  timeoutMs: number;
  statsIntervalMs: number;
}

/**
 * Applies the defaults and checks the settings; messages name the option.
 *
 * @throws AgentmeshError `AM_ERR_CONFIG_INVALID`
 */
export function resolvePushDeliveryOptions(o: PushDeliveryWorkerOptions): ResolvedPushDeliveryOptions {
  const r: ResolvedPushDeliveryOptions = {
    pollIntervalMs: o.pollIntervalMs ?? 500,
    batchSize: o.batchSize ?? 50,
    concurrency: o.concurrency ?? 8,
    originConcurrency: o.originConcurrency ?? 4,
    leaseMs: o.leaseMs ?? 30_000,
    maxAttempts: o.maxAttempts,
    retryWindowMs: o.retryWindowMs ?? 24 * 60 * 60_000,
    backoff: { baseMs: o.backoff?.baseMs ?? DEFAULT_BACKOFF_BASE_MS, maxMs: o.backoff?.maxMs ?? DEFAULT_BACKOFF_MAX_MS },
    originBackoff: { baseMs: o.originBackoff?.baseMs ?? DEFAULT_ORIGIN_BACKOFF_BASE_MS, maxMs: o.originBackoff?.maxMs ?? DEFAULT_ORIGIN_BACKOFF_MAX_MS },
    timeoutMs: o.timeoutMs ?? 10_000,
    statsIntervalMs: o.statsIntervalMs ?? 5_000,
  };
  const positive: Array<[string, number | undefined]> = [
    ['pollIntervalMs', r.pollIntervalMs],
    ['batchSize', r.batchSize],
    ['concurrency', r.concurrency],
    ['originConcurrency', r.originConcurrency],
    ['leaseMs', r.leaseMs],
    ['maxAttempts', r.maxAttempts],
    ['retryWindowMs', r.retryWindowMs],
    ['backoff.baseMs', r.backoff.baseMs],
    ['backoff.maxMs', r.backoff.maxMs],
    ['originBackoff.baseMs', r.originBackoff.baseMs],
    ['originBackoff.maxMs', r.originBackoff.maxMs],
    ['timeoutMs', r.timeoutMs],
  ];
  for (const [name, value] of positive) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw Errors.pushOptionNotPositive({ option: name, given: String(value) });
  }
  if (!Number.isSafeInteger(r.statsIntervalMs) || r.statsIntervalMs < 0) throw Errors.pushStatsIntervalInvalid({ given: String(r.statsIntervalMs) });
  if (r.backoff.maxMs < r.backoff.baseMs) throw Errors.pushBackoffInverted({ max: 'backoff.maxMs', base: 'backoff.baseMs' });
  if (r.originBackoff.maxMs < r.originBackoff.baseMs) throw Errors.pushBackoffInverted({ max: 'originBackoff.maxMs', base: 'originBackoff.baseMs' });
  // A lease shorter than a call would let another replica claim and send the same row meanwhile.
  if (r.leaseMs <= r.timeoutMs) throw Errors.pushLeaseTooShort({ leaseMs: r.leaseMs, timeoutMs: r.timeoutMs });
  if (typeof o.replicaId !== 'string' || o.replicaId === '') throw Errors.pushReplicaIdMissing({});
  return r;
}
