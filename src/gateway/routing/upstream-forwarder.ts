import { BrokenCircuitError } from 'cockatiel';
import type { ExchangeReply, InProcessServers } from '../../http/index.js';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../observability/index.js';
import { Errors, type AgentmeshError } from '../../protocol/index.js';
import { REFUSAL_PROBE_BYTES, classifyFailure, isRefusal, mayRetryRead, type AttemptFailure } from './attempt-failure.js';
import { FAILED_CALLER, faultKindOf } from './fault-accounting.js';
import { hasCandidate, pickInstance } from './balancer.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { discard, prefixed, readHead, relayAnswer } from './response-relay.js';
import { ExchangeAbort, exchange, type UpstreamAnswer } from './upstream-exchange.js';
import type { Http1Upstream } from './upstream-http1.js';
import type { CachedAgent, RouteCache } from './route-cache.js';
import { statusOutcome, type RoutingMetrics } from './routing-metrics.js';
import { FailedAnswer, type UpstreamInstance } from './upstream-instance.js';

/** One request to forward (see `UpstreamRouter.forward`). */
export interface ForwardInput {
  agent: string;
  method: string;
  /** The part after `/agents/{name}`: `/`, `/message:send`, `/.well-known/agent-card.json`. */
  path: string;
  /** `path` is from the runtime's root, not the agent's base URL (its ACP endpoint, `/acp/…`). */
  fromRoot?: boolean | undefined;
  /** The query string, without or with its `?`. */
  query?: string | undefined;
  /** Headers added to (or replacing) the client's: the tenant assertion, `traceparent`. */
  headers: Record<string, string>;
  /** The raw request body the gateway already read. */
  body?: Buffer | string | undefined;
  /** Repeating the request is harmless (a read): it may be retried after it reached an instance. */
  idempotent: boolean;
  /** Aborts the request (a deadline of the gateway's own). */
  signal?: AbortSignal | undefined;
  /** Sees each chunk of the answer's body before the client does (task id, audit hash). */
  tap?: ((chunk: Buffer) => void) | undefined;
  /** Runs once the whole answer went through `tap` and before the client has it (`relayAnswer`); returns a promise only when the answer must wait for it. */
  beforeRelease?: ((status: number) => Promise<void> | undefined) | undefined;
  /** Who is calling (the tenant): failures one caller provokes do not open a breaker for others. */
  caller?: string | undefined;
}

/** What happened, for metrics and the audit. */
export interface ForwardResult {
  /** Id of the instance that answered. */
  instance: string;
  /** Status sent to the client; 499 when the client left before any answer. */
  status: number;
  /** From the call until the client's response was over (a stream's whole life). */
  durationMs: number;
  /** Attempts beyond the first. */
  retried: number;
  /** The answer's content type (`text/event-stream` for a stream). */
  contentType?: string | undefined;
  /** The answer's body broke off midway (the client saw a cut response). */
  bodyError?: unknown;
}

/** What the forwarder works with. */
export interface UpstreamForwarderOptions {
  cache: RouteCache;
  /** undici: TLS instances, in-process ones, and all of them when {@link direct} is unset. */
  dispatcher: Dispatcher;
  /** The llhttp client of plain `http:` instances (ADR 0064); unset, every call goes through `dispatcher`. */
  direct?: Http1Upstream | undefined;
  /** Instances served in this process: reached through `dispatcher`, which connects to them in memory. */
  inProcess?: InProcessServers | undefined;
  metrics: RoutingMetrics;
  logger: Logger;
  maxAttempts: number;
  requestTimeoutMs: number;
  /** False until the cache first holds the registry's state. */
  loaded: () => boolean;
}

/** Methods that never change anything (RFC 9110 §9.2.1): always safe to retry. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Marks an attempt that ended because our side gave up: the breaker must not count it. */
class Abandoned extends Error {
  readonly clientGone = true;
  constructor(cause: unknown) {
    super('request abandoned', { cause });
  }
}

/** Why an exchange was stopped because the client went away (never an instance's fault). */
const CLIENT_GONE = Object.freeze(Object.assign(new Error('the client went away'), { name: 'AbortError' }));

/** Why an exchange was stopped by the caller's own deadline. */
class DeadlineReached extends Error {
  constructor(cause: unknown) {
    super('the gateway stopped waiting for the agent', { cause });
    this.name = 'TimeoutError';
  }
}

/**
 * Watches the client's socket for one call: when it closes before the
 * answer is over, the exchange in flight is stopped. Two listeners per call,
 * both removed when the response finishes; no AbortController.
 *
 * The response's own listener goes too, though the response dies with the
 * call: left on it, it keeps this watch, and through its abort the
 * exchange's undici request and raw answer headers, reachable from the
 * response for as long as anything holds the finished call. Something does:
 * finished calls are kept alive across two scavenges and promoted, about
 * 5 MB a scavenge under load, and this edge was a third of it
 * (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Garbage collection per gateway call").
 */
class ClientWatch {
  readonly abort = new ExchangeAbort();
  #gone = false;
  readonly #socket: (NodeJS.EventEmitter & { destroyed?: boolean }) | null;
  #response: ExchangeReply['raw'] | undefined;

  constructor(reply: ExchangeReply) {
    const socket = reply.request.raw.socket as (NodeJS.EventEmitter & { destroyed?: boolean }) | null;
    this.#socket = socket;
    if (socket === null || socket.destroyed === true) {
      this.#onClose();
      return;
    }
    // `on`, not `once`: each fires at most once here (a socket closes once, a response finishes once), and
    // `once` would wrap each listener in a closure and a state object of its own per call. The data plane's
    // reply behind the llhttp front holds the finish listener until it fires, without making node:http's response.
    socket.on('close', this.#onClose);
    if (reply.whenFinished?.(this.#release) === true) return;
    this.#response = reply.raw;
    reply.raw.on('finish', this.#release);
  }

  /** The client went away before its answer was over. */
  get gone(): boolean {
    return this.#gone;
  }

  readonly #onClose = (): void => {
    this.#gone = true;
    this.abort.abort(CLIENT_GONE);
  };

  readonly #release = (): void => {
    this.#socket?.off('close', this.#onClose);
    this.#response?.off('finish', this.#release);
  };
}

/**
 * Forwards requests to instances: pick (least outstanding), send through
 * the instance's breaker, retry elsewhere only where that cannot run a
 * request twice, relay the answer.
 */
export class UpstreamForwarder {
  readonly #o: UpstreamForwarderOptions;

  constructor(options: UpstreamForwarderOptions) {
    this.#o = options;
  }

  async forward(input: ForwardInput, reply: ExchangeReply): Promise<ForwardResult> {
    const started = performance.now();
    const cached = this.#routable(input.agent);
    const method = input.method.toUpperCase();
    const request = reply.request;
    // The request is the client side itself (its ip, protocol and host): no object of them per call.
    const headers = upstreamRequestHeaders(request.headers, request, input.headers);
    const watch = new ClientWatch(reply);
    // The caller's own deadline, when it set one (rare: the proxy sets none).
    const deadline = input.signal;
    const onDeadline = deadline === undefined ? undefined : (): void => watch.abort.abort(new DeadlineReached(deadline.reason));
    if (deadline !== undefined) {
      if (deadline.aborted) onDeadline!();
      else deadline.addEventListener('abort', onDeadline!, { once: true });
    }
    try {
      return await this.#attempts(input, reply, cached, method, headers, watch, started);
    } finally {
      if (deadline !== undefined) deadline.removeEventListener('abort', onDeadline!);
    }
  }

  async #attempts(input: ForwardInput, reply: ExchangeReply, cached: CachedAgent, method: string, headers: Record<string, string>, watch: ClientWatch, started: number): Promise<ForwardResult> {
    const { metrics, logger } = this.#o;
    const idempotent = input.idempotent || SAFE_METHODS.has(method);
    const tried = new Set<string>();
    let lastFailure: AttemptFailure | undefined;
    let retried = 0;

    for (let attempt = 0; attempt < this.#o.maxAttempts; attempt++) {
      const instance = pickInstance(cached.instances, tried, cached.rr, Date.now());
      if (instance === undefined) break;
      tried.add(instance.id);
      instance.requests += 1;
      if (attempt > 0) {
        retried += 1;
        metrics.retry(input.agent);
      }
      const release = this.#hold(instance);
      const sentAt = performance.now();
      let answer: UpstreamAnswer;
      try {
        // No await between the pick and execute(): the breaker's half-open trial is taken synchronously.
        answer = await instance.execute(() => this.#exchange(instance, method, input, headers, watch.abort));
      } catch (err) {
        release();
        if (watch.abort.reason !== undefined) return this.#abandoned(input, instance, reply, watch, started, retried);
        if (err instanceof BrokenCircuitError) continue;
        // The request as the client framed it cannot be sent anywhere: its error, not the agent's.
        if (faultKindOf(err) === 'not-instance') throw this.#unsendable(input.agent, err);
        const failure = classifyFailure(err);
        lastFailure = failure;
        metrics.request(input.agent, failure.kind);
        const retryable = failure.notSent || idempotent;
        logger.warn({ agent: input.agent, instance: instance.id, reason: failure.reason, attempt, willRetry: retryable && hasCandidate(cached.instances, tried, Date.now()) }, 'an instance failed a request');
        if (!retryable) throw this.#failed(input.agent, failure, false);
        continue;
      }
      // Observed once the answer is out (a metric is no step of the answer's path, ADR 0057); measured here.
      const latency = (performance.now() - sentAt) / 1000;

      if (answer.statusCode >= 500 && attempt + 1 < this.#o.maxAttempts && hasCandidate(cached.instances, tried, Date.now())) {
        let head: Buffer | undefined = answer.bytes;
        if (answer.statusCode === 503 && answer.body !== undefined) {
          const read = await readHead(answer.body, REFUSAL_PROBE_BYTES).catch(() => undefined);
          head = read?.head;
          if (read !== undefined) answer = { ...answer, body: prefixed(read.head, read.rest) };
        }
        if (isRefusal(answer.statusCode, answer.headers, head) || (idempotent && mayRetryRead(answer.statusCode))) {
          metrics.latency(input.agent, latency);
          discard(answer);
          release();
          metrics.request(input.agent, '5xx');
          logger.warn({ agent: input.agent, instance: instance.id, status: answer.statusCode, attempt }, 'an instance answered with a server error; trying another');
          continue;
        }
      }

      try {
        const { bodyError } = await relayAnswer(answer, reply, { method, tap: input.tap, beforeRelease: input.beforeRelease, log: logger });
        const gone = watch.gone;
        metrics.request(input.agent, bodyError !== undefined && gone ? 'client_gone' : statusOutcome(answer.statusCode));
        if (bodyError !== undefined && !gone) logger.warn({ err: bodyError, agent: input.agent, instance: instance.id }, 'the answer of an instance broke off midway');
        const contentType = answer.headers['content-type'];
        // Members set only when present (no conditional spreads: a temporary object each per call).
        const result: ForwardResult = { instance: instance.id, status: answer.statusCode, durationMs: performance.now() - started, retried };
        if (typeof contentType === 'string') result.contentType = contentType;
        if (bodyError !== undefined && !gone) result.bodyError = bodyError;
        return result;
      } finally {
        release();
        metrics.latency(input.agent, latency);
      }
    }

    if (lastFailure === undefined) {
      metrics.request(input.agent, 'no_instance');
      throw this.#noInstance(input.agent, cached);
    }
    throw this.#failed(input.agent, lastFailure, true);
  }

  /** The cached agent, or why it cannot be routed to. */
  #routable(agent: string): CachedAgent {
    const cached = this.#o.cache.get(agent);
    if (cached !== undefined) {
      if (cached.record.status === 'disabled') {
        throw Errors.agentDisabled({ agent });
      }
      return cached;
    }
    if (!this.#o.loaded()) {
      throw Errors.directoryNotLoaded({});
    }
    throw Errors.agentNotRegistered({ agent });
  }

  /** Counts a request outstanding on an instance; the returned function releases it (once). */
  #hold(instance: UpstreamInstance): () => void {
    instance.outstanding += 1;
    this.#o.metrics.outstanding(instance.agent, 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      instance.outstanding -= 1;
      this.#o.metrics.outstanding(instance.agent, -1);
    };
  }

  /** One request to one instance; resolves at the answer's headers. A 5xx answer is thrown as FailedAnswer for the breaker to count. */
  async #exchange(instance: UpstreamInstance, method: string, input: ForwardInput, headers: Record<string, string>, abort: ExchangeAbort): Promise<UpstreamAnswer> {
    let answer: UpstreamAnswer;
    try {
      const origin = instance.origin;
      const request = { origin, path: input.fromRoot === true ? instance.rootPathFor(input.path, input.query) : instance.pathFor(input.path, input.query), method: method as Dispatcher.HttpMethod, headers, body: input.body ?? null };
      const direct = this.#o.direct;
      const inProcess = this.#o.inProcess;
      answer = await (direct !== undefined && origin.startsWith('http:') && (inProcess === undefined || !inProcess.serves(origin)) ? direct.exchange(request, abort) : exchange(this.#o.dispatcher, request, abort));
    } catch (err) {
      if (abort.reason !== undefined) throw new Abandoned(err);
      if (typeof err === 'object' && err !== null) (err as { [FAILED_CALLER]?: string | undefined })[FAILED_CALLER] = input.caller;
      throw err;
    }
    // A 5xx counts against the instance unless one caller alone provokes them (FaultAccounting).
    if (answer.statusCode >= 500) throw new FailedAnswer(answer, input.caller);
    return answer;
  }

  /** The client left (or our own signal fired) before any answer was relayed. */
  #abandoned(input: ForwardInput, instance: UpstreamInstance, reply: ExchangeReply, watch: ClientWatch, started: number, retried: number): ForwardResult {
    if (!watch.gone) {
      throw Errors.agentTookTooLong({ agent: input.agent });
    }
    this.#o.metrics.request(input.agent, 'client_gone');
    // Nobody reads it; sending completes the request's lifecycle (hooks, logs) on the closed socket.
    if (!reply.sent) reply.code(499).send();
    return { instance: instance.id, status: 499, durationMs: performance.now() - started, retried };
  }

  /** A request undici refused to send as framed (an invalid header value, say): the client's error. */
  #unsendable(agent: string, err: unknown): AgentmeshError {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? Errors.requestNotForwardableBecause({ agent, reason: code }) : Errors.requestNotForwardable({ agent });
  }

  #failed(agent: string, failure: AttemptFailure, exhausted: boolean): AgentmeshError {
    const details = { agent, reason: failure.reason };
    if (failure.kind === 'timeout' && !failure.notSent) {
      return Errors.agentTimedOut({ agent, timeoutMs: this.#o.requestTimeoutMs }, { details });
    }
    const why = failure.notSent ? `its instances are unreachable (${failure.reason})` : `its instance failed while handling the request (${failure.reason})`;
    const tail = exhausted ? '' : '; it was not retried because it may have reached the agent';
    return Errors.agentDidNotAnswer({ agent, why: `${why}${tail}` }, { details });
  }

  #noInstance(agent: string, cached: CachedAgent): AgentmeshError {
    const now = Date.now();
    const inRotation = cached.instances.filter((i) => i.inRotation);
    const open = inRotation.filter((i) => !i.available(now)).length;
    const why =
      cached.instances.length === 0
        ? 'no instance is registered'
        : inRotation.length === 0
          ? `none of its ${cached.instances.length} instances is in rotation`
          : `the breakers of its ${open} instances in rotation are open`;
    return Errors.noHealthyInstance({ agent, why });
  }
}
