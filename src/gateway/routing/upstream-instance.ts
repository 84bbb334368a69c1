import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { AgentInstance } from './registry-types.js';
import { FAILED_CALLER, FaultAccounting } from './fault-accounting.js';
import { loadBreakerInternals, type BreakerInternals } from './breaker-internals.js';

/** What the breaker of an instance says. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Breaker settings: consecutive failures that open it, and how long it stays open (ms). */
export interface BreakerSettings {
  failures: number;
  openMs: number;
}

/** Thrown inside the breaker for an upstream answer that counts as the instance's failure (5xx): the breaker counts it, the caller unwraps it. */
export class FailedAnswer<T> extends Error {
  readonly answer: T;
  readonly [FAILED_CALLER]: string | undefined;
  constructor(answer: T, caller: string | undefined) {
    super('upstream answered with a server error');
    this.answer = answer;
    this[FAILED_CALLER] = caller;
  }
}

/**
 * One instance of an agent as the router sees it: the registry's view
 * (`info`, refreshed from the watch), the requests this router has in flight
 * on it, and its circuit breaker (seed 001: `failures` consecutive failures
 * open it for `openMs`, then one trial request decides).
 *
 * The breaker is cockatiel's, with two details the router needs on top:
 * cockatiel moves from open to half-open lazily, on the next call, so
 * {@link UpstreamInstance.breakerState} computes the state a caller would
 * meet; and while a half-open trial runs, cockatiel makes other callers wait
 * for it, so the balancer leaves such an instance out instead.
 */
export class UpstreamInstance {
  readonly id: string;
  readonly agent: string;
  info: AgentInstance;
  /** Requests this router has in flight on the instance, streams included. */
  outstanding = 0;
  /** Requests this router sent it (each attempt, retries included). */
  requests = 0;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #counter: ConsecutiveBreaker;
  readonly #faults: FaultAccounting;
  /** cockatiel's internals, checked (breaker-internals.ts): a closed breaker's calls skip its async layers. */
  readonly #internals: BreakerInternals | undefined;
  readonly #openMs: number;
  #openedAt = 0;
  #origin: string;
  #basePath: string;

  constructor(info: AgentInstance, settings: BreakerSettings, onStateChange: (instance: UpstreamInstance) => void) {
    this.id = info.id;
    this.agent = info.agent;
    this.info = info;
    const { origin, basePath } = splitUrl(info.url);
    this.#origin = origin;
    this.#basePath = basePath;
    this.#openMs = settings.openMs;
    this.#counter = new ConsecutiveBreaker(settings.failures);
    // Only what the instance did counts (FaultAccounting): a request the client
    // gave up on or framed badly says nothing about the instance, and one
    // tenant alone cannot open the breaker for the others.
    const faults = new FaultAccounting(settings.failures);
    this.#faults = faults;
    this.#breaker = circuitBreaker(handleWhen((err) => faults.counts(err)), { halfOpenAfter: settings.openMs, breaker: this.#counter });
    const internals = loadBreakerInternals();
    this.#internals = typeof internals === 'string' ? undefined : internals;
    this.#breaker.onBreak(() => {
      this.#openedAt = Date.now();
    });
    this.#breaker.onStateChange(() => onStateChange(this));
  }

  /** Base URL origin (`http://10.0.0.7:4000`). */
  get origin(): string {
    return this.#origin;
  }

  /** Updates the registry's view; a changed URL is taken as is. */
  update(info: AgentInstance): void {
    this.info = info;
    const { origin, basePath } = splitUrl(info.url);
    this.#origin = origin;
    this.#basePath = basePath;
  }

  /**
   * The request path for `path` from the instance's runtime root: its base
   * URL less `/agents/{agent}` (a runtime hosting several agents serves each
   * under it, and its ACP endpoint at `/acp` for all of them).
   */
  rootPathFor(path: string, query: string | undefined): string {
    const own = `/agents/${encodeURIComponent(this.agent)}`;
    const root = this.#basePath.endsWith(own) ? this.#basePath.slice(0, -own.length) : this.#basePath;
    const full = `${root}${path}`;
    return query === undefined || query === '' ? full : `${full}?${query.replace(/^\?/, '')}`;
  }

  /** The request path on the instance for `path` (the part after `/agents/{name}`) and `query`. */
  pathFor(path: string, query: string | undefined): string {
    const suffix = path === '' || (path === '/' && this.#basePath !== '') ? '' : path.startsWith('/') ? path : `/${path}`;
    const full = `${this.#basePath}${suffix}` || '/';
    return query === undefined || query === '' ? full : `${full}?${query.replace(/^\?/, '')}`;
  }

  /** Consecutive failures counted by the breaker. */
  get failures(): number {
    return this.#counter.state;
  }

  /** The state a request would meet now. */
  breakerState(now: number = Date.now()): BreakerState {
    switch (this.#breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return now - this.#openedAt >= this.#openMs ? 'half-open' : 'open';
    }
  }

  /** May take a request now: closed, or open past its window with no trial running yet. */
  available(now: number = Date.now()): boolean {
    const state = this.#breaker.state;
    if (state === CircuitState.Closed) return true;
    return state === CircuitState.Open && now - this.#openedAt >= this.#openMs;
  }

  /** In rotation at the registry (lease alive, probe not down). */
  get inRotation(): boolean {
    return this.info.inRotation;
  }

  /**
   * Runs one exchange through the breaker. `fn` resolves with the answer or
   * throws; a `FailedAnswer` counts as a failure and its answer is returned.
   * Throws cockatiel's BrokenCircuitError when the breaker is open.
   */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#internals === undefined || this.#breaker.state !== CircuitState.Closed) return this.#throughPolicy(fn);
    // Closed: what cockatiel's execute does in this state, without its two async functions and their
    // promises around `fn` (ADR 0057). Its bookkeeping is kept to the letter: a success resets the counter,
    // a failure the filter counts is the last failure and counts as met in the closed state, whatever the
    // breaker became while it was in flight (opened by another call: counted, and `open` does nothing; half-open:
    // it opens again), and an error the filter passes over changes nothing.
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (err) {
      pending = Promise.reject(err as Error);
    }
    return pending.then(this.#succeeded as (value: T) => T, this.#failed as (err: unknown) => T);
  }

  readonly #succeeded = (value: unknown): unknown => {
    this.#counter.success();
    return value;
  };

  readonly #failed = (err: unknown): unknown => {
    if (this.#faults.counts(err)) {
      const opens = this.#counter.failure();
      this.#internals?.failed(this.#breaker, err, opens);
    }
    if (err instanceof FailedAnswer) return err.answer;
    throw err;
  };

  /** Through cockatiel's execute: an open or half-open breaker (or a cockatiel whose internals are not as expected). */
  async #throughPolicy<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#breaker.execute(fn);
    } catch (err) {
      if (err instanceof FailedAnswer) return err.answer as T;
      throw err;
    }
  }
}

function splitUrl(url: string): { origin: string; basePath: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, basePath: parsed.pathname.replace(/\/+$/, '') };
}
