import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';

/**
 * The one place agentmesh reaches into cockatiel's private members (cockatiel 3.2): what
 * `CircuitBreakerPolicy.execute` does, in the closed state, with a failure its breaker counted. It
 * keeps the failure as `lastFailure` (`innerLastFailure`) and, when the breaker says so, opens through
 * its private `open`. cockatiel has no public call for either, and UpstreamInstance's fast path
 * (ADR 0057) runs a closed breaker's calls without `execute`, so it does these two things itself.
 *
 * Nothing here is documented, so it is checked by what it does on a canned breaker, once a process,
 * before any instance relies on it; a reason instead sends every call through cockatiel's `execute`
 * (the router logs that reason once).
 */
export interface BreakerInternals {
  /** cockatiel's bookkeeping of a counted failure of a call started closed: `error` kept as the last failure, the breaker opened when `opens`. */
  failed(policy: CircuitBreakerPolicy, error: unknown, opens: boolean): void;
}

/** The signal cockatiel's `execute` passes on when given none (its backoff reads it; a constant one does not). */
const NEVER_ABORTED = new AbortController().signal;

let loaded: BreakerInternals | string | undefined;

/** cockatiel's closed-state internals, checked once a process, or why they cannot be used. */
export function loadBreakerInternals(): BreakerInternals | string {
  loaded ??= checkBreakerInternals(Reflect.get(CircuitBreakerPolicy.prototype, 'open'));
  return loaded;
}

/** {@link loadBreakerInternals}'s check, given what cockatiel's prototype has as `open` (a test gives another). */
export function checkBreakerInternals(open: unknown): BreakerInternals | string {
  if (typeof open !== 'function') return 'CircuitBreakerPolicy has no open()';
  // Private fields, read and set by name: `Reflect` takes any object, so no type is bent to reach them.
  const internals: BreakerInternals = {
    failed(policy, error, opens) {
      const failure = { error };
      Reflect.set(policy, 'innerLastFailure', failure);
      if (opens) Reflect.apply(open, policy, [failure, NEVER_ABORTED]);
    },
  };
  try {
    return selfTest(internals) ?? internals;
  } catch (err) {
    return `cockatiel's breaker failed a canned failure (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** A counted failure, a failure that opens, and one that opens a half-open breaker again do what cockatiel's `execute` does, or the reason they do not. */
function selfTest(internals: BreakerInternals): string | undefined {
  const policy = circuitBreaker(handleAll, { halfOpenAfter: 0, breaker: new ConsecutiveBreaker(1) });
  // Read through a call: each check reads the state the step before left.
  const state = (): CircuitState => policy.state;
  const seen: string[] = [];
  policy.onBreak((reason) => seen.push('error' in reason ? `break ${reason.error.message}` : 'break'));
  policy.onStateChange((changed) => seen.push(CircuitState[changed]));
  const first = new Error('first');
  internals.failed(policy, first, false);
  const kept = policy.lastFailure;
  if (state() !== CircuitState.Closed || kept === undefined || !('error' in kept) || kept.error !== first || seen.length !== 0) return 'CircuitBreakerPolicy keeps a failure otherwise than expected';
  internals.failed(policy, new Error('second'), true);
  if (state() !== CircuitState.Open || seen.join() !== 'break second,Open') return 'CircuitBreakerPolicy opens otherwise than expected';
  // Past its (zero) window the next call is the half-open trial; a failure counted meanwhile opens the breaker again.
  void policy.execute(() => 'trial');
  if (state() !== CircuitState.HalfOpen) return 'CircuitBreakerPolicy goes half-open otherwise than expected';
  internals.failed(policy, new Error('third'), true);
  if (state() !== CircuitState.Open || seen.join() !== 'break second,Open,HalfOpen,break third,Open') return 'CircuitBreakerPolicy opens a half-open breaker otherwise than expected';
  return undefined;
}
