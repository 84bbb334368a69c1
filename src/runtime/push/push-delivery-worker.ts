import { performance } from 'node:perf_hooks';
import { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';
import { ATTR_A2A_TASK_ID, type Logger, type RecentTraces } from '../../observability/index.js';
import { fullJitterBackoff, type OutboxRecord, type PushStore, type TaskStore } from '../../storage/index.js';
import { failureFromError, failureFromResponse } from './delivery-failure.js';
import type { DeliveryFailure } from './delivery-failure.js';
import { buildPushBody } from './push-body.js';
import type { PushProtocol } from './push-body.js';
import { resolvePushDeliveryOptions } from './push-delivery-options.js';
import type { PushDeliveryWorkerOptions, PushIssuer, PushMetrics, PushTracing, ResolvedPushDeliveryOptions } from './push-delivery-options.js';
import type { PushSigner } from './push-signer.js';
import type { WebhookGuard } from './webhook-guard.js';

/** Upper bound on a receiver's Retry-After we honour: larger values are ignored as not sane. */
export const RETRY_AFTER_MAX_MS = 60 * 60_000;

const NOTIFICATION_TOKEN_HEADER = 'X-A2A-Notification-Token';
/** The event's sequence in its task's log: receivers de-duplicate on (task id, seq). */
export const EVENT_SEQ_HEADER = 'Agentmesh-Event-Seq';

/** Largest webhook response body read (64 KiB). */
const RESPONSE_MAX_BYTES = 65_536;

/** One webhook call: the status when the receiver answered, and what failed. */
interface Attempt {
  status: number | undefined;
  failure: DeliveryFailure | undefined;
}

/** What one claimed row turned into. */
type Settlement = 'delivered' | 'retry' | 'dead' | 'skipped';

/**
 * Delivers push notifications from the transactional outbox.
 *
 * Each cycle claims due rows (only the oldest undelivered row of each
 * task+config is claimable, so one webhook sees one task's events in order),
 * POSTs each through the SSRF guard with a signature, and settles the row:
 * delivered on 2xx, retried with backoff on failure, dead-lettered after the
 * retry window or at once when the guard blocks the target. Rows of
 * different tasks are delivered concurrently. See docs/push-notifications.md.
 *
 * @example
 * import { PushDeliveryWorker, createPushSigner, loadSigningKey } from './push/index.js';
 * const key = await loadSigningKey({ file: join(dataDir, 'signing-key.json'), logger });
 * const worker = new PushDeliveryWorker({
 *   taskStore: stores.tasks, pushStore: stores.push, guard, signer: createPushSigner({ key }),
 *   logger, metrics, replicaId, agentBaseUrl: (taskId, { agent }) => `${publicUrl}/agents/${agent}`,
 * });
 * worker.start();
 * // on shutdown:
 * await worker.stop();
 */
export class PushDeliveryWorker {
  readonly #store: PushStore;
  readonly #tasks: Pick<TaskStore, 'events' | 'get'>;
  readonly #guard: WebhookGuard;
  readonly #signer: PushSigner;
  readonly #log: Logger;
  readonly #replicaId: string;
  readonly #issuer: PushIssuer;
  readonly #tracing: PushTracing | undefined;
  readonly #taskTraces: RecentTraces | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #o: ResolvedPushDeliveryOptions;
  readonly #m: {
    deliveries: ReturnType<PushMetrics['counter']>;
    failures: ReturnType<PushMetrics['counter']>;
    duration: ReturnType<PushMetrics['histogram']>;
    pending: ReturnType<PushMetrics['gauge']>;
    dead: ReturnType<PushMetrics['gauge']>;
  };
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<number> | undefined;
  #wakeRequested = false;
  #statsAt = Number.NEGATIVE_INFINITY;

  constructor(options: PushDeliveryWorkerOptions) {
    this.#o = resolvePushDeliveryOptions(options);
    this.#store = options.pushStore;
    this.#tasks = options.taskStore;
    this.#guard = options.guard;
    this.#signer = options.signer;
    this.#log = options.logger.child({ module: 'push' });
    this.#replicaId = options.replicaId;
    this.#issuer = options.agentBaseUrl;
    this.#tracing = options.tracing;
    this.#taskTraces = options.taskTraces;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    const m = options.metrics;
    this.#m = {
      deliveries: m.counter('agentmesh_push_deliveries_total', 'Push notification rows settled, by outcome (delivered, retry scheduled, dead-lettered).', ['outcome']),
      failures: m.counter('agentmesh_push_delivery_failures_total', 'Failed push delivery attempts, by reason (network, timeout, server_error, client_error, ssrf_blocked, invalid).', ['reason']),
      duration: m.histogram('agentmesh_push_delivery_duration_seconds', 'Duration of webhook calls, by outcome.', ['outcome'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
      pending: m.gauge('agentmesh_push_outbox_pending', 'Push notifications waiting for delivery (all replicas).'),
      dead: m.gauge('agentmesh_push_outbox_dead', 'Push notifications dead-lettered (all replicas).'),
    };
  }

  /** Starts polling. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /**
   * Stops polling and resolves once the deliveries in flight have settled,
   * so no row is left claimed by a replica that is going away.
   */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#cycle?.catch(() => undefined);
  }

  /** Polls now instead of after the interval (call after appending events). No-op when stopped. */
  wake(): void {
    if (!this.#running) return;
    if (this.#timer === undefined) {
      this.#wakeRequested = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  /**
   * Claims one batch of due rows and delivers it. Resolves with the number of
   * rows claimed once all of them are settled. Concurrent calls run one after
   * the other. Tests drive the worker with this and a fake clock.
   */
  runOnce(): Promise<number> {
    const previous = this.#cycle ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(() => this.#runCycle());
    this.#cycle = next;
    const clear = (): void => {
      if (this.#cycle === next) this.#cycle = undefined;
    };
    next.then(clear, clear);
    return next;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    // The HTTP server keeps the process alive; a forgotten worker must not.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (!this.#running) return;
    let claimed = 0;
    try {
      claimed = await this.runOnce();
    } catch (err) {
      this.#log.error({ err }, 'push delivery cycle failed');
    }
    if (!this.#running) return;
    const again = claimed >= this.#o.batchSize || this.#wakeRequested;
    this.#wakeRequested = false;
    this.#schedule(again ? 0 : this.#o.pollIntervalMs);
  }

  async #runCycle(): Promise<number> {
    const now = this.#now();
    const rows = await this.#store.claimDue({ now, owner: this.#replicaId, leaseUntil: now + this.#o.leaseMs, limit: this.#o.batchSize });
    // claimDue yields at most one row per task+config, so every row here may run in parallel.
    await forEachLimited(rows, this.#o.concurrency, (row) => this.#settle(row));
    await this.#refreshStats();
    return rows.length;
  }

  async #settle(row: OutboxRecord): Promise<void> {
    try {
      const outcome = await this.#process(row);
      if (outcome !== 'skipped') this.#m.deliveries.inc({ outcome });
    } catch (err) {
      // A storage error mid-settle: the claim lapses after leaseMs and the row is tried again.
      this.#log.error({ err, taskId: row.taskId, configId: row.configId, seq: row.seq }, 'push delivery could not be settled; it will be retried when its lease expires');
    }
  }

  async #process(row: OutboxRecord): Promise<Settlement> {
    const ids = { taskId: row.taskId, configId: row.configId, seq: row.seq };
    const record = await this.#store.getConfig(row.taskId, row.configId);
    if (record === undefined) return this.#skip(row, 'push config deleted');
    const [event] = await this.#tasks.events(row.taskId, row.seq - 1, 1);
    if (event === undefined || event.seq !== row.seq) return this.#skip(row, 'event no longer stored');
    // A user message joining the history is internal to the log, never a notification.
    if (event.kind === 'history') return this.#skip(row, undefined);

    let config: TaskPushNotificationConfig;
    let url: URL;
    try {
      config = TaskPushNotificationConfig.fromJSON(JSON.parse(record.config));
    } catch {
      // Not the parser's message: it quotes the text, and the text holds the token.
      return this.#fail(row, { reason: 'invalid', retryable: false, message: 'unusable push config: not valid TaskPushNotificationConfig JSON' }, undefined, ids);
    }
    try {
      url = new URL(config.url);
    } catch {
      return this.#fail(row, { reason: 'invalid', retryable: false, message: 'unusable push config: url is not a valid URL' }, undefined, ids);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return this.#fail(row, { reason: 'invalid', retryable: false, message: `unusable push config: url scheme ${url.protocol} is not http(s)` }, undefined, ids);
    }
    const target = redactUrl(url);
    const scrub = scrubber(config);

    let payload: { body: Buffer; contentType: string };
    try {
      const built = buildPushBody(event.payload, protocolOf(record.protocol));
      // Sign and send the very same bytes, so body_sha256 holds on the receiver.
      payload = { body: Buffer.from(built.body, 'utf8'), contentType: built.contentType };
    } catch (err) {
      return this.#fail(row, { reason: 'invalid', retryable: false, message: `event cannot be serialized: ${(err as Error).message}` }, target, ids);
    }

    const issuer = await this.#issuerOf(row.taskId);
    if (issuer === undefined) return this.#skip(row, 'task no longer stored');

    let headers: Record<string, string> = {
      'content-type': payload.contentType,
      [this.#signer.headerName]: await this.#signer.sign({ issuer, audience: config.url, body: payload.body, now: this.#now(), eventSeq: row.seq }),
      [EVENT_SEQ_HEADER]: String(row.seq),
    };
    if (config.token) headers[NOTIFICATION_TOKEN_HEADER] = config.token;
    // A2A §4.3.3: the config's authentication goes out as `Authorization: <scheme> <credentials>`.
    if (config.authentication?.scheme && config.authentication.credentials) {
      headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials}`;
    }
    const started = performance.now();
    const post = (): Promise<Attempt> => {
      if (this.#tracing !== undefined) headers = this.#tracing.injectTraceparent(headers);
      return this.#post(config.url, headers, payload.body, scrub);
    };
    const { failure } = this.#tracing?.enabled === true ? await this.#postInSpan(row.taskId, url, post) : await post();
    const seconds = (performance.now() - started) / 1000;

    if (failure === undefined) {
      await this.#store.markDelivered(row.id, this.#now());
      this.#m.duration.observe({ outcome: 'delivered' }, seconds);
      this.#log.debug({ ...ids, target, attempt: row.attempts + 1 }, 'push notification delivered');
      return 'delivered';
    }
    const outcome = await this.#fail(row, failure, target, ids);
    this.#m.duration.observe({ outcome }, seconds);
    return outcome;
  }

  /** Settles a failed attempt: retry with backoff, or dead-letter. */
  /** One webhook call; what failed, if anything. */
  async #post(target: string, headers: Record<string, string>, body: Buffer, scrub: (message: string) => string): Promise<Attempt> {
    try {
      const res = await this.#guard.fetch(target, {
        method: 'POST',
        headers,
        body,
        timeoutMs: this.#o.timeoutMs,
        // An acknowledgement needs no body; a receiver sending megabytes fails the attempt.
        maxBytes: RESPONSE_MAX_BYTES,
        // Not followed: the signature's aud names this URL, and a redirected POST loses its body.
        maxRedirects: 0,
      });
      if (res.status < 200 || res.status > 299) return { status: res.status, failure: failureFromResponse(res.status, res.headers.get('retry-after'), this.#now()) };
      return { status: res.status, failure: undefined };
    } catch (err) {
      const failure = failureFromError(err);
      failure.message = scrub(failure.message);
      return { status: undefined, failure };
    }
  }

  /**
   * The webhook call as a CLIENT span in the trace of the task's request
   * (its skill span, kept by the task engine on this replica; else a trace
   * of its own). Named `POST`: a webhook URL has no template to name it by.
   */
  #postInSpan(taskId: string, url: URL, post: () => Promise<Attempt>): Promise<Attempt> {
    const tracing = this.#tracing!;
    const sc = this.#taskTraces?.get(taskId);
    const parent = sc === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, sc);
    // Never the query string or credentials of the webhook URL.
    const attributes = { [ATTR_HTTP_REQUEST_METHOD]: 'POST', [ATTR_URL_FULL]: `${url.origin}${url.pathname}`, [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_A2A_TASK_ID]: taskId };
    return tracing.startActiveSpan!('POST', { kind: SpanKind.CLIENT, attributes }, parent, async (span) => {
      try {
        const attempt = await post();
        if (attempt.status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, attempt.status);
        if (attempt.failure !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.failure.reason });
        return attempt;
      } finally {
        span.end();
      }
    });
  }

  async #fail(row: OutboxRecord, failure: DeliveryFailure, target: string | undefined, ids: object): Promise<'retry' | 'dead'> {
    this.#m.failures.inc({ reason: failure.reason });
    const now = this.#now();
    const attempts = row.attempts + 1;
    const windowElapsed = now - row.createdAt >= this.#o.retryWindowMs;
    const exhausted = this.#o.maxAttempts !== undefined && attempts >= this.#o.maxAttempts;
    if (!failure.retryable || windowElapsed || exhausted) {
      const why = !failure.retryable ? '' : windowElapsed ? ' (retry window elapsed)' : ` (${attempts} attempts)`;
      const error = `${failure.message}${why}`;
      await this.#store.markDead(row.id, { error, now });
      this.#log.warn({ ...ids, target, attempt: attempts, reason: failure.reason, status: failure.status, error }, 'push notification dead-lettered');
      return 'dead';
    }
    const backoff = fullJitterBackoff({ attempt: row.attempts, ...this.#o.backoff, random: this.#random });
    const retryAfter = failure.retryAfterMs !== undefined && failure.retryAfterMs <= RETRY_AFTER_MAX_MS ? failure.retryAfterMs : 0;
    const delayMs = Math.max(backoff, retryAfter);
    await this.#store.markRetry(row.id, { nextAttemptAt: now + delayMs, error: failure.message, now });
    this.#log.info({ ...ids, target, attempt: attempts, reason: failure.reason, status: failure.status, delayMs }, 'push notification failed; retry scheduled');
    return 'retry';
  }

  async #skip(row: OutboxRecord, why: string | undefined): Promise<'skipped'> {
    await this.#store.markDelivered(row.id, this.#now());
    if (why !== undefined) this.#log.debug({ taskId: row.taskId, configId: row.configId, seq: row.seq, why }, 'push notification dropped');
    return 'skipped';
  }

  async #issuerOf(taskId: string): Promise<string | undefined> {
    if (typeof this.#issuer === 'string') return this.#issuer;
    const task = await this.#tasks.get(taskId);
    return task === undefined ? undefined : this.#issuer(taskId, { agent: task.agent, tenant: task.tenant });
  }

  async #refreshStats(): Promise<void> {
    const now = this.#now();
    if (now - this.#statsAt < this.#o.statsIntervalMs) return;
    this.#statsAt = now;
    try {
      const stats = await this.#store.stats();
      this.#m.pending.set(stats.pending);
      this.#m.dead.set(stats.dead);
    } catch (err) {
      this.#log.warn({ err }, 'push outbox stats unavailable');
    }
  }
}

function protocolOf(protocol: string): PushProtocol {
  // Storage only ever writes these two; anything else is a v1 webhook.
  return protocol === '0.3' ? '0.3' : '1.0';
}

/** The webhook as logs may show it: no userinfo, no query (tokens hide there). */
function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Removes the config's URL and secrets from an error message before it is stored or logged. */
function scrubber(config: TaskPushNotificationConfig): (message: string) => string {
  const secrets = [config.url, config.token, config.authentication?.credentials].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (message) => secrets.reduce((m, s) => m.split(s).join('[redacted]'), message);
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
