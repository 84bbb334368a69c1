import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { FAILED_CALLER, FaultAccounting } from '../../../src/gateway/routing/fault-accounting.js';
import { FailedAnswer, UpstreamInstance, type BreakerState } from '../../../src/gateway/routing/upstream-instance.js';
import type { AgentInstance } from '../../../src/registry/index.js';

/**
 * A closed breaker's calls skip cockatiel's async layers (UpstreamInstance's
 * fast path). These scripts run the same calls, in the same order, through
 * an instance and through cockatiel itself as the instance used it before
 * (its `execute`, a FailedAnswer unwrapped), and compare what each call
 * gave and what each breaker says after every step: the calls in flight
 * while the breaker opens, or goes half-open, are counted alike.
 */

/** How long a breaker stays open: long, so a loaded host never reads it half-open by the clock; one script waits it out. */
const OPEN_MS = 10_000;
/** The open window of the script that waits for the half-open trial. */
const SHORT_OPEN_MS = 300;

interface Breaker {
  execute<T>(fn: () => Promise<T>): Promise<T>;
  failures(): number;
  state(): BreakerState;
  changes(): number;
}

function fastPath(failures: number, openMs: number): Breaker {
  let changes = 0;
  const info: AgentInstance = { id: 'a', agent: 'sales', url: 'http://10.0.0.1:4000/agents/sales', kind: 'leased', registeredAt: '2026-08-01T00:00:00.000Z', probe: { state: 'up', consecutiveFailures: 0 }, inRotation: true };
  const instance = new UpstreamInstance(info, { failures, openMs }, () => changes++);
  return { execute: (fn) => instance.execute(fn), failures: () => instance.failures, state: () => instance.breakerState(), changes: () => changes };
}

/** cockatiel's own execute, as UpstreamInstance called it before its fast path. */
function throughCockatiel(failures: number, openMs: number): Breaker {
  let changes = 0;
  let openedAt = 0;
  const counter = new ConsecutiveBreaker(failures);
  const faults = new FaultAccounting(failures);
  const policy = circuitBreaker(handleWhen((err) => faults.counts(err)), { halfOpenAfter: openMs, breaker: counter });
  policy.onBreak(() => (openedAt = Date.now()));
  policy.onStateChange(() => changes++);
  return {
    async execute<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return await policy.execute(fn);
      } catch (err) {
        if (err instanceof FailedAnswer) return err.answer as T;
        throw err;
      }
    },
    failures: () => counter.state,
    state: () => (policy.state === CircuitState.Closed ? 'closed' : policy.state === CircuitState.HalfOpen ? 'half-open' : Date.now() - openedAt >= openMs ? 'half-open' : 'open'),
    changes: () => changes,
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const refused = (): Error => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
const reset = (caller: string): Error => Object.assign(new Error('reset'), { code: 'ECONNRESET', [FAILED_CALLER]: caller });
const clientGone = (): Error => Object.assign(new Error('request abandoned'), { clientGone: true });

/** What a call gave: its value, the answer of a FailedAnswer, or the code (else the class) of what it threw. */
function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    (value) => `value ${JSON.stringify(value)}`,
    (err: Error & { code?: string }) => `threw ${err.code ?? err.constructor.name}`,
  );
}

/** Runs `script` on a breaker; returns each step's record. */
type Step = (b: Breaker, log: (what: string) => Promise<void>) => Promise<void>;

async function record(b: Breaker, script: Step): Promise<string[]> {
  const lines: string[] = [];
  await script(b, async (what) => {
    // Let the calls settled so far run their bookkeeping (either path) before reading the breaker.
    await new Promise((resolve) => setImmediate(resolve));
    lines.push(`${what}: failures ${b.failures()}, ${b.state()}, ${b.changes()} changes`);
  });
  return lines;
}

async function same(failures: number, script: Step, openMs = OPEN_MS): Promise<string[]> {
  const fast = await record(fastPath(failures, openMs), script);
  const reference = await record(throughCockatiel(failures, openMs), script);
  assert.deepEqual(fast, reference);
  return fast;
}

describe('a closed breaker\'s fast path counts every call as cockatiel does', () => {
  test('successes, counted failures, failures the filter passes over, and 5xx answers', async () => {
    const lines = await same(3, async (b, log) => {
      const outcomes: string[] = [];
      outcomes.push(await outcome(b.execute(async () => 'fine')));
      await log('one success');
      outcomes.push(await outcome(b.execute(() => Promise.reject(refused()))));
      outcomes.push(await outcome(b.execute(() => Promise.reject(clientGone()))));
      await log('a counted failure and a client gone');
      outcomes.push(await outcome(b.execute(() => Promise.reject(new FailedAnswer({ statusCode: 503 }, 'tenant-a')))));
      outcomes.push(await outcome(b.execute(() => Promise.reject(new FailedAnswer({ statusCode: 502 }, 'tenant-b')))));
      await log('two 5xx answers of two callers');
      outcomes.push(await outcome(b.execute(async () => 'again')));
      await log('a success after them');
      outcomes.push(await outcome(b.execute(() => Promise.reject(refused()))));
      outcomes.push(await outcome(b.execute(() => Promise.reject(refused()))));
      outcomes.push(await outcome(b.execute(() => Promise.reject(refused()))));
      outcomes.push(await outcome(b.execute(async () => 'refused by the open breaker')));
      await log(`opened; ${outcomes.join('; ')}`);
    });
    assert.match(lines.at(-1)!, /opened; value "fine"; threw ECONNREFUSED; threw Error; value \{"statusCode":503\}; value \{"statusCode":502\}; value "again"; threw ECONNREFUSED; threw ECONNREFUSED; threw ECONNREFUSED; threw BrokenCircuitError: failures 3, open, 1 changes/);
  });

  test('calls in flight when the breaker opens: a failure is counted, a success resets the counter, and the breaker stays open', async () => {
    const lines = await same(2, async (b, log) => {
      const a = deferred<string>();
      const s = deferred<string>();
      const inFlightFailure = outcome(b.execute(() => a.promise));
      const inFlightSuccess = outcome(b.execute(() => s.promise));
      await outcome(b.execute(() => Promise.reject(refused())));
      await outcome(b.execute(() => Promise.reject(refused())));
      await log('opened by two other calls');
      a.reject(refused());
      await log(`the one in flight failed (${await inFlightFailure})`);
      s.resolve('late');
      await log(`the other in flight succeeded (${await inFlightSuccess})`);
    });
    assert.deepEqual(lines, [
      'opened by two other calls: failures 2, open, 1 changes',
      'the one in flight failed (threw ECONNREFUSED): failures 3, open, 1 changes',
      'the other in flight succeeded (value "late"): failures 0, open, 1 changes',
    ]);
  });

  test('a call in flight since the breaker was closed fails during the half-open trial: it opens the breaker again', async () => {
    const lines = await same(2, async (b, log) => {
      const old = deferred<string>();
      const trial = deferred<string>();
      const inFlight = outcome(b.execute(() => old.promise));
      await outcome(b.execute(() => Promise.reject(refused())));
      await outcome(b.execute(() => Promise.reject(refused())));
      await new Promise((resolve) => setTimeout(resolve, SHORT_OPEN_MS + 10));
      const trialCall = outcome(b.execute(() => trial.promise));
      await log('the trial runs');
      old.reject(refused());
      await log(`the old call failed (${await inFlight})`);
      trial.resolve('trial ok');
      await log(`the trial succeeded (${await trialCall})`);
      await log(`a call now (${await outcome(b.execute(async () => 'after'))})`);
    }, SHORT_OPEN_MS);
    assert.deepEqual(lines, [
      'the trial runs: failures 2, half-open, 2 changes',
      'the old call failed (threw ECONNREFUSED): failures 3, open, 3 changes',
      'the trial succeeded (value "trial ok"): failures 0, open, 3 changes',
      'a call now (threw BrokenCircuitError): failures 0, open, 3 changes',
    ]);
  });

  test('a failure of a call started closed, one caller alone: not counted (FaultAccounting), as before', async () => {
    await same(2, async (b, log) => {
      for (let i = 0; i < 4; i++) await outcome(b.execute(() => Promise.reject(reset('tenant-a'))));
      await log('four resets of one tenant');
      await outcome(b.execute(() => Promise.reject(reset('tenant-b'))));
      await log('one of another');
    });
  });

  test('a closed breaker\'s call settles in fewer microtask turns than through cockatiel (the fast path is taken)', async () => {
    const turns = async (b: Breaker): Promise<number> => {
      let settled = false;
      void b.execute(() => Promise.resolve('x')).then(() => (settled = true));
      let n = 0;
      while (!settled) {
        await Promise.resolve();
        n++;
      }
      return n;
    };
    const fast = await turns(fastPath(3, OPEN_MS));
    const reference = await turns(throughCockatiel(3, OPEN_MS));
    assert.ok(fast < reference, `${fast} turns on the fast path, ${reference} through cockatiel`);
  });
});
