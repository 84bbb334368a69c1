import { performance } from 'node:perf_hooks';
import { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';
import { ATTR_A2A_TASK_ID, type Logger, type RecentTraces } from '../../observability/index.js';
import { AgentmeshError, ErrorCodes, errorMessage } from '../../protocol/index.js';
import { exponentialBackoff, fullJitterBackoff, type OutboxRecord, type PushStore, type TaskStore } from '../../storage/index.js';
import { failureFromError, failureFromResponse } from './delivery-failure.js';
import type { DeliveryFailure } from './delivery-failure.js';
import { buildPushBody } from './push-body.js';
import type { PushProtocol } from './push-body.js';
import { resolvePushDeliveryOptions } from './push-delivery-options.js';
import type { PushDeliveryWorkerOptions, PushIssuer, PushMetrics, PushTracing, ResolvedPushDeliveryOptions } from './push-delivery-options.js';
import type { PushSigner } from './push-signer.js';
import type { OutboxAnswer, OutboxKind, OutboxKindRow } from './outbox-kind.js';
import type { WebhookGuard } from './webhook-guard.js';

/** Upper bound on a receiver's Retry-After we honour: larger values are ignored as not sane. */
export const RETRY_AFTER_MAX_MS = 60 * 60_000;

const NOTIFICATION_TOKEN_HEADER = 'X-A2A-Notification-Token';
/** The event's sequence in its task's log: receivers de-duplicate on (task id, seq). */
export const EVENT_SEQ_HEADER = 'Agentmesh-Event-Seq';

/** Largest webhook response body read (64 KiB). */
const RESPONSE_MAX_BYTES = 65_536;

/** One webhook call: the status when the receiver answered, and what failed; the answer when asked for. */
interface Attempt {
  status: number | undefined;
  failure: DeliveryFailure | undefined;
  answer?: OutboxAnswer;
}

/** What one claimed row turned into. */
type Settlement = 'delivered' | 'retry' | 'dead' | 'skipped';

/** The log lines of a delivered row: its receiver answering again after an outage, and the delivery. */
interface DeliveryLog {
  originUp: string;
  delivered: string;
}
const PUSH_DELIVERY_LOG: DeliveryLog = { originUp: 'push receiver answers again; its backlog is released', delivered: 'push notification delivered' };
const KIND_DELIVERY_LOG: DeliveryLog = { originUp: 'webhook receiver answers again; its backlog is released', delivered: 'outbox row delivered' };

/** How long a replica trusts what the canary said about its secret. */
const CANARY_CHECK_TTL_MS = 5_000;

/**
 * Delivers push notifications from the transactional outbox.
 *
 * Each cycle claims due rows (only the oldest undelivered row of each
 * task+config is claimable, so one webhook sees one task's events in order),
 * POSTs each through the SSRF guard with a signature, and settles the row:
 * delivered on 2xx, retried on failure, dead-lettered after the retry window
 * or at once when the guard blocks the target. Rows of different tasks are
 * delivered concurrently, at most `originConcurrency` to one origin.
 *
 * Backoff belongs to the receiver (ADR 0027): a failure that says the origin
 * is down (refused, timed out, 408/429/5xx) marks the origin failing in the
 * database the replicas share; its rows are then held, and one probe per
 * origin, fleet-wide, retries on the origin's backoff. The probe's success
 * releases every due row of that origin at once. Rows whose config has no
 * origin key (stored by an earlier version) keep a backoff of their own. See
 * docs/push-notifications.md.
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
    originsDown: ReturnType<PushMetrics['gauge']>;
  };
  readonly #secretIsCurrent: (() => Promise<boolean>) | undefined;
  readonly #kinds: ReadonlyMap<string, OutboxKind>;
  #secretChecked: { at: number; current: Promise<boolean> } | undefined;
  /** Deliveries started by the poll loop and not yet settled (at most `concurrency`). */
  readonly #lanes = new Set<Promise<void>>();
  /** Rows claimed and not yet settled, by origin key: those origins are left out of the next claim. */
  readonly #busy = new Map<string, number>();
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<number> | undefined;
  #wakeRequested = false;
  #statsAt = Number.NEGATIVE_INFINITY;
  /** A row was delivered or settled since the tick began: its task's next row may be due. */
  #progressed = false;

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
    this.#secretIsCurrent = options.secretIsCurrent;
    this.#kinds = options.kinds ?? new Map();
    const m = options.metrics;
    this.#m = {
      deliveries: m.counter('agentmesh_push_deliveries_total', 'Push notification rows settled, by outcome (delivered, retry scheduled, dead-lettered).', ['outcome']),
      failures: m.counter('agentmesh_push_delivery_failures_total', 'Failed push delivery attempts, by reason (network, timeout, server_error, client_error, ssrf_blocked, invalid, config_unreadable).', ['reason']),
      duration: m.histogram('agentmesh_push_delivery_duration_seconds', 'Duration of webhook calls, by outcome.', ['outcome'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
      pending: m.gauge('agentmesh_push_outbox_pending', 'Push notifications waiting for delivery (all replicas).'),
      dead: m.gauge('agentmesh_push_outbox_dead', 'Push notifications dead-lettered (all replicas).'),
      originsDown: m.gauge('agentmesh_push_origins_failing', 'Webhook origins marked failing, probed on their backoff (all replicas).'),
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
    await Promise.all(this.#lanes);
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

  /**
   * One turn of the poll loop: claims as many rows as there are free lanes
   * and starts each on a lane of its own, without waiting for them. A slow
   * or failing receiver therefore holds only its own lanes: the next claim
   * (when a lane frees up, a row settles, or the poll interval passes) skips
   * the origins still being delivered to and takes everyone else's due rows
   * at once (ADR 0027).
   */
  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (!this.#running) return;
    let full = false;
    this.#progressed = false;
    try {
      const limit = Math.min(this.#o.batchSize, this.#o.concurrency - this.#lanes.size);
      if (limit > 0) {
        const rows = await this.#claim(limit);
        full = rows.length >= limit;
        for (const row of rows) this.#startLane(row);
      }
      await this.#refreshStats();
    } catch (err) {
      this.#log.error({ err }, 'push delivery cycle failed');
    }
    if (!this.#running) return;
    // A delivered row makes the next row of its task due now: claim it without waiting out the poll.
    const again = full || this.#wakeRequested || this.#progressed;
    this.#wakeRequested = false;
    this.#schedule(again ? 0 : this.#o.pollIntervalMs);
  }

  #startLane(row: OutboxRecord): void {
    const lane: Promise<void> = this.#deliver([row], 1).then(
      () => this.#laneDone(lane),
      (err: unknown) => {
        this.#log.error({ err }, 'push delivery lane failed');
        this.#laneDone(lane);
      },
    );
    this.#lanes.add(lane);
  }

  #laneDone(lane: Promise<void>): void {
    this.#lanes.delete(lane);
    // A lane is free again: claim at once rather than after the poll interval.
    this.wake();
  }

  /** Claims due rows, leaving out the origins this replica is still delivering to; each claimed row holds its origin until settled. */
  async #claim(limit: number): Promise<OutboxRecord[]> {
    const now = this.#now();
    const skipOrigins = this.#busy.size === 0 ? undefined : [...this.#busy.keys()];
    const rows = await this.#store.claimDue({ now, owner: this.#replicaId, leaseMs: this.#o.leaseMs, limit, perOrigin: this.#o.originConcurrency, skipOrigins });
    for (const row of rows) this.#hold(row);
    return rows;
  }

  #hold(row: OutboxRecord): void {
    if (row.originKey !== null) this.#busy.set(row.originKey, (this.#busy.get(row.originKey) ?? 0) + 1);
  }

  #unhold(row: OutboxRecord): void {
    const key = row.originKey;
    if (key === null) return;
    const n = (this.#busy.get(key) ?? 1) - 1;
    if (n <= 0) this.#busy.delete(key);
    else this.#busy.set(key, n);
  }

  async #runCycle(): Promise<number> {
    const rows = await this.#claim(this.#o.batchSize);
    const delivered = await this.#deliver(rows, Math.min(this.#o.concurrency, rows.length));
    await this.#refreshStats();
    return delivered;
  }

  /**
   * Settles `rows` (at most one per task+config, so all may run in parallel)
   * on `lanes` lanes, each going on with the next row of its task while no
   * row waits for a lane; resolves with the rows settled, chained ones included.
   */
  async #deliver(rows: readonly OutboxRecord[], lanes: number): Promise<number> {
    const chainUntil = performance.now() + this.#o.pollIntervalMs;
    let next = 0;
    let chained = 0;
    const lane = async (): Promise<void> => {
      while (next < rows.length) {
        let row: OutboxRecord | undefined = rows[next++]!;
        while (row !== undefined) {
          let outcome: Settlement | undefined;
          try {
            outcome = await this.#settle(row);
          } finally {
            this.#unhold(row);
          }
          if (!this.#chains(row, outcome) || next < rows.length || performance.now() >= chainUntil) break;
          row = await this.#claimNext(row);
          if (row !== undefined) {
            this.#hold(row);
            chained++;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return rows.length + chained;
  }

  /**
   * Whether a lane goes on with the next row of the same task and config
   * (ADR 0027): after a row settled for good, of a config with an origin key
   * (the origin's concurrency bound holds, one lane per claimed row). Only
   * while no claimed row waits for a lane (none may outwait its lease) and
   * within one poll interval (other tasks get their turn at the next claim).
   */
  #chains(row: OutboxRecord, outcome: Settlement | undefined): boolean {
    return row.originKey !== null && outcome !== undefined && outcome !== 'retry';
  }

  async #claimNext(row: OutboxRecord): Promise<OutboxRecord | undefined> {
    const now = this.#now();
    try {
      return await this.#store.claimNext(row.taskId, row.configId, { now, owner: this.#replicaId, leaseMs: this.#o.leaseMs });
    } catch (err) {
      this.#log.warn({ err, taskId: row.taskId, configId: row.configId }, 'push: could not claim the next notification of a task; the next cycle will');
      return undefined;
    }
  }

  /** Delivers one row and settles it; undefined when it could not be settled (its lease lapses). */
  async #settle(row: OutboxRecord): Promise<Settlement | undefined> {
    try {
      const outcome = await this.#process(row);
      if (outcome !== 'skipped') this.#m.deliveries.inc({ outcome });
      if (outcome !== 'retry') this.#progressed = true;
      return outcome;
    } catch (err) {
      // A storage error mid-settle: the claim lapses after leaseMs and the row is tried again.
      this.#log.error({ err, taskId: row.taskId, configId: row.configId, seq: row.seq }, 'push delivery could not be settled; it will be retried when its lease expires');
      return undefined;
    }
  }

  async #process(row: OutboxRecord): Promise<Settlement> {
    const ids = { taskId: row.taskId, configId: row.configId, seq: row.seq };
    let record: Awaited<ReturnType<PushStore['getConfig']>>;
    try {
      record = await this.#store.getConfig(row.taskId, row.configId);
    } catch (err) {
      if (err instanceof AgentmeshError && err.code === ErrorCodes.CONFIG_INVALID) return this.#unreadable(row, ids);
      throw err;
    }
    if (record === undefined) return this.#skip(row, 'push config deleted');
    const [event] = await this.#tasks.events(row.taskId, row.seq - 1, 1);
    if (event === undefined || event.seq !== row.seq) return this.#skip(row, 'event no longer stored');
    // A user message joining the history is internal to the log, never a notification.
    if (event.kind === 'history') return this.#skip(row, undefined);
    const kind = this.#kinds.get(record.protocol);
    if (kind !== undefined) return this.#processKind(kind, row, { taskId: row.taskId, configId: row.configId, seq: row.seq, config: record.config, event: event.payload, now: this.#now() }, ids);

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
      return this.#fail(row, { reason: 'invalid', retryable: false, message: `event cannot be serialized: ${errorMessage(err)}` }, target, ids);
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
      await this.#delivered(row, target, ids, seconds, PUSH_DELIVERY_LOG);
      return 'delivered';
    }
    const outcome = await this.#fail(row, failure, target, ids);
    this.#m.duration.observe({ outcome }, seconds);
    return outcome;
  }

  /**
   * A row of another kind than a push notification (see outbox-kind.ts):
   * its request is the kind's, the rest (the guard, backoff, retry window,
   * dead letters) is the same.
   */
  async #processKind(kind: OutboxKind, row: OutboxRecord, input: OutboxKindRow, ids: object): Promise<Settlement> {
    // A throw (the database, say) leaves the row claimed: it is tried again when its lease expires.
    const request = await kind.request(input);
    if (request === undefined) return this.#skip(row, undefined);
    if ('refused' in request) return this.#failKind(kind, row, input, { reason: 'invalid', retryable: false, message: request.refused }, undefined, ids);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return this.#failKind(kind, row, input, { reason: 'invalid', retryable: false, message: 'unusable target: not a valid URL' }, undefined, ids);
    }
    const target = redactUrl(url);
    // The hook's URL may hold its credential (a Make or n8n webhook path is one): never in a stored error.
    const scrub = (message: string): string => message.split(request.url).join('[redacted]');
    const started = performance.now();
    let headers = request.headers;
    const post = (): Promise<Attempt> => {
      if (this.#tracing !== undefined) headers = this.#tracing.injectTraceparent(headers);
      return this.#post(request.url, headers, request.body, scrub, true);
    };
    const { failure, answer } = this.#tracing?.enabled === true ? await this.#postInSpan(row.taskId, url, post) : await post();
    const seconds = (performance.now() - started) / 1000;
    if (failure !== undefined) {
      const outcome = await this.#failKind(kind, row, input, failure, target, ids);
      this.#m.duration.observe({ outcome }, seconds);
      return outcome;
    }
    await this.#delivered(row, target, ids, seconds, KIND_DELIVERY_LOG);
    try {
      await kind.delivered(input, answer!);
    } catch (err) {
      // Delivered is delivered: what the kind records of the answer cannot undo it.
      this.#log.warn({ err, ...ids }, 'recording a delivered outbox row failed');
    }
    return 'delivered';
  }

  /**
   * Records `row` delivered after `seconds`: marked so, and, when it was its
   * origin's probe, the origin released (every due row of it is claimable at
   * once, on every replica). `log` words the lines for the row's kind.
   */
  async #delivered(row: OutboxRecord, target: string, ids: object, seconds: number, log: DeliveryLog): Promise<void> {
    if (!(await this.#store.markDelivered(row.id, { now: this.#now(), owner: this.#replicaId }))) this.#takenOver(row, ids);
    if (row.probe && row.originKey !== null) {
      await this.#store.markOriginUp(row.originKey);
      this.#log.info({ target }, log.originUp);
    }
    this.#m.duration.observe({ outcome: 'delivered' }, seconds);
    this.#log.debug({ ...ids, target, attempt: row.attempts + 1 }, log.delivered);
  }

  #failKind(kind: OutboxKind, row: OutboxRecord, input: OutboxKindRow, failure: DeliveryFailure, target: string | undefined, ids: object): Promise<'retry' | 'dead'> {
    return this.#fail(row, failure, target, ids, (error) => this.#kindDead(kind, { taskId: row.taskId, configId: row.configId, config: input.config, error }));
  }

  async #kindDead(kind: OutboxKind, row: Parameters<OutboxKind['dead']>[0]): Promise<void> {
    try {
      await kind.dead(row);
    } catch (err) {
      this.#log.warn({ err, taskId: row.taskId, configId: row.configId }, 'recording a dead-lettered outbox row failed');
    }
  }

  /** Rows dead-lettered together (their origin failed past the retry window): each of a kind is told. */
  async #deadOfKinds(rows: ReadonlyArray<{ taskId: string; configId: string }>, error: string): Promise<void> {
    if (this.#kinds.size === 0) return;
    for (const { taskId, configId } of rows) {
      const record = await this.#store.getConfig(taskId, configId).catch(() => undefined);
      const kind = record === undefined ? undefined : this.#kinds.get(record.protocol);
      if (kind !== undefined) await this.#kindDead(kind, { taskId, configId, config: record!.config, error });
    }
  }

  /** One webhook call; what failed, if anything, and the answer when `read`. */
  async #post(target: string, headers: Record<string, string>, body: Buffer, scrub: (message: string) => string, read = false): Promise<Attempt> {
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
      if (read) return { status: res.status, failure: undefined, answer: { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() } };
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

  /** Settles a failed attempt: marks its origin failing when it says so, then retries or dead-letters the row. */
  async #fail(row: OutboxRecord, failure: DeliveryFailure, target: string | undefined, ids: object, onDead?: (error: string) => Promise<void>): Promise<'retry' | 'dead'> {
    this.#m.failures.inc({ reason: failure.reason });
    const now = this.#now();
    const attempts = row.attempts + 1;
    const windowElapsed = now - row.createdAt >= this.#o.retryWindowMs;
    const exhausted = this.#o.maxAttempts !== undefined && attempts >= this.#o.maxAttempts;
    const retryAfter = failure.retryAfterMs !== undefined && failure.retryAfterMs <= RETRY_AFTER_MAX_MS ? failure.retryAfterMs : 0;
    const originDown = row.originKey !== null && failure.retryable && originFailure(failure);
    if (row.originKey !== null) {
      if (originDown) {
        const failures = await this.#store.markOriginDown(row.originKey, {
          now,
          probe: row.probe,
          error: failure.message,
          nextProbeAt: (n) => now + Math.max(this.#originDelay(n), retryAfter),
        });
        if (failures === 1 || row.probe) this.#log.info({ target, failures, reason: failure.reason }, 'push receiver failing; its rows wait for a probe of it');
      } else if (row.probe && failure.status !== undefined) {
        // It answered (a 3xx, a 4xx): the origin is up, whatever this row's fate.
        await this.#store.markOriginUp(row.originKey);
      } else if (row.probe) {
        // Nothing was sent (an unusable config, a target the guard refuses): the next probe may go now.
        await this.#store.releaseOriginProbe(row.originKey);
      }
    }
    if (!failure.retryable || windowElapsed || exhausted) {
      const why = !failure.retryable ? '' : windowElapsed ? ' (retry window elapsed)' : ` (${attempts} attempts)`;
      const error = `${failure.message}${why}`;
      if (!(await this.#store.markDead(row.id, { error, now, owner: this.#replicaId }))) {
        // Its new owner sends it and decides its fate: dead-lettering it here would fail what waits on it twice.
        this.#takenOver(row, ids);
        return 'retry';
      }
      this.#log.warn({ ...ids, target, attempt: attempts, reason: failure.reason, status: failure.status, error }, 'push notification dead-lettered');
      await onDead?.(error);
      if (originDown && windowElapsed) {
        // The rows held behind this origin are as old: they go together, not one probe at a time.
        // `+ 1`: a row exactly retryWindowMs old is past the window, as windowElapsed says.
        const more = await this.#store.deadLetterOrigin(row.originKey!, { createdBefore: now - this.#o.retryWindowMs + 1, error, now });
        if (more.length > 0) {
          this.#m.deliveries.inc({ outcome: 'dead' }, more.length);
          this.#log.warn({ target, rows: more.length, error }, 'push notifications of a failing receiver dead-lettered: retry window elapsed');
          await this.#deadOfKinds(more, error);
        }
      }
      return 'dead';
    }
    // A row of a failing origin is due again at once: the origin's probe decides when it is tried.
    const delayMs = originDown ? 0 : Math.max(fullJitterBackoff({ attempt: row.attempts, ...this.#o.backoff, random: this.#random }), retryAfter);
    if (!(await this.#store.markRetry(row.id, { nextAttemptAt: now + delayMs, error: failure.message, now, owner: this.#replicaId }))) {
      this.#takenOver(row, ids);
      return 'retry';
    }
    this.#log.info({ ...ids, target, attempt: attempts, reason: failure.reason, status: failure.status, delayMs }, 'push notification failed; retry scheduled');
    return 'retry';
  }

  /**
   * A settle found the row claimed by another replica since this one claimed
   * it (this one's lease ran out: a pause, a slow receiver, a clock ahead):
   * the row is left to its new owner, who sends it again.
   */
  #takenOver(row: OutboxRecord, ids: object): void {
    this.#log.info({ ...ids, seq: row.seq }, 'push notification claimed by another replica before this one settled it; left to that replica');
  }

  /** Delay before the next probe of an origin after `failures` consecutive failures: exponential, equal jitter. */
  #originDelay(failures: number): number {
    const options = { attempt: failures - 1, ...this.#o.originBackoff };
    return fullJitterBackoff({ ...options, random: this.#random, floorMs: Math.ceil(exponentialBackoff(options) / 2) });
  }

  /**
   * A config this replica's keys cannot open. Never held for the lease: when
   * this replica still holds the database's secret (its canary opens), no
   * replica can open it (sealed under a secret the fleet does not have, or
   * modified) and it is dead-lettered at once; when its secret is stale (a
   * rotation reached the others first), the row is released at once for them.
   */
  async #unreadable(row: OutboxRecord, ids: object): Promise<'retry' | 'dead'> {
    this.#m.failures.inc({ reason: 'config_unreadable' });
    const now = this.#now();
    // A probe that sent nothing learnt nothing of the origin: the next probe may go now.
    if (row.probe && row.originKey !== null) await this.#store.releaseOriginProbe(row.originKey);
    if (await this.#secretCurrent()) {
      const error = 'push config cannot be opened: sealed under a secret other than this database\'s AGENTMESH_SECRET, or modified';
      if (!(await this.#store.markDead(row.id, { error, now, owner: this.#replicaId }))) {
        this.#takenOver(row, ids);
        return 'retry';
      }
      this.#log.error({ ...ids, reason: 'config_unreadable' }, 'push notification dead-lettered: its config cannot be opened with AGENTMESH_SECRET');
      return 'dead';
    }
    if (!(await this.#store.markRetry(row.id, { nextAttemptAt: now + this.#o.backoff.baseMs, error: 'push config cannot be opened by a replica whose AGENTMESH_SECRET is stale', now, owner: this.#replicaId }))) {
      this.#takenOver(row, ids);
      return 'retry';
    }
    this.#log.error({ ...ids, reason: 'config_unreadable' }, "push notification released: this replica's AGENTMESH_SECRET no longer opens the database's canary; restart it with the fleet's secret");
    return 'retry';
  }

  #secretCurrent(): Promise<boolean> {
    if (this.#secretIsCurrent === undefined) return Promise.resolve(true);
    const now = this.#now();
    if (this.#secretChecked === undefined || now - this.#secretChecked.at >= CANARY_CHECK_TTL_MS) {
      // A failing check says nothing about the secret: release the row (the safe answer) and ask again next time.
      const current = this.#secretIsCurrent().catch(() => false);
      this.#secretChecked = { at: now, current };
    }
    return this.#secretChecked.current;
  }

  async #skip(row: OutboxRecord, why: string | undefined): Promise<'skipped'> {
    // Nothing was sent: a row taken over since is its new owner's to drop.
    await this.#store.markDelivered(row.id, { now: this.#now(), owner: this.#replicaId });
    // A probe that sent nothing learnt nothing of the origin: the next probe may go now, not after the lease.
    if (row.probe && row.originKey !== null) await this.#store.releaseOriginProbe(row.originKey);
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
      this.#m.originsDown.set(await this.#store.originsDown());
    } catch (err) {
      this.#log.warn({ err }, 'push outbox stats unavailable');
    }
  }
}

/** Failures that say the receiver as a whole is down or overloaded, not that it refused this one row. */
function originFailure(failure: DeliveryFailure): boolean {
  return failure.reason === 'network' || failure.reason === 'timeout' || failure.reason === 'server_error';
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
