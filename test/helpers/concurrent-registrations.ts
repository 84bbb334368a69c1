/**
 * Registers `total` agents through `PUT /v1/agents/{name}`, `writers` at a
 * time, each on its own keep-alive connection, and times every request: what
 * a fleet whose agents start together, or an operator importing a catalogue,
 * does to a registry.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { Agent, request } from 'node:http';
import { sampleCard } from './registry-fixture.js';

export interface RegistrationTimes {
  /** Every request's duration, ms, sorted. */
  times: number[];
  /** Wall time of the whole run, ms. */
  wallMs: number;
  /** Answers other than 200/201, with their status. */
  failures: Array<{ name: string; status: number }>;
  at(quantile: number): number;
}

function put(agent: Agent, target: URL, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path, method: 'PUT', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function registerConcurrently(url: string, { writers, total, prefix = 'writer' }: { writers: number; total: number; prefix?: string }): Promise<RegistrationTimes> {
  const target = new URL(url);
  const times: number[] = [];
  const failures: RegistrationTimes['failures'] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = next++; i < total; i = next++) {
          const name = `${prefix}-${i}`;
          const body = JSON.stringify({ card: sampleCard(name) });
          const t0 = performance.now();
          const status = await put(agent, target, `/v1/agents/${name}`, body);
          times.push(performance.now() - t0);
          if (status !== 200 && status !== 201) failures.push({ name, status });
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  const wallMs = performance.now() - started;
  times.sort((a, b) => a - b);
  return { times, wallMs, failures, at: (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))]! };
}

/** A registry probe interval longer than any run: the registry's own timer does not run out during one. */
export const NO_PROBE_ROUND_MS = 86_400_000;

/**
 * The delays (ms) of the one-shot timers of at least `minMs` whose callbacks ran while `work` did, in this
 * process: what a wait on a timer leaves behind, however slow a loaded machine makes the work around it.
 * A deadline cleared when its work ends never runs, nor does it count; intervals (the HTTP server's
 * connection checks) do not count either.
 */
async function timersFiredDuring<T>(minMs: number, work: () => Promise<T>): Promise<{ result: T; fired: number[] }> {
  const delays = new Map<number, number>();
  const fired: number[] = [];
  const hook = createHook({
    init(id, type, _trigger, resource) {
      const timer = resource as { _idleTimeout?: number; _repeat?: number | null };
      if (type === 'Timeout' && timer._repeat === null && (timer._idleTimeout ?? 0) >= minMs) delays.set(id, timer._idleTimeout!);
    },
    before(id) {
      const delay = delays.get(id);
      if (delay !== undefined) fired.push(delay);
    },
  });
  hook.enable();
  try {
    return { result: await work(), fired };
  } finally {
    hook.disable();
  }
}

/**
 * Sixteen writers, 400 registrations against the registry at `url` (after a
 * warm-up), asserted never to wait: all committed, the card's host looked up
 * about once per 5 s (`lookups.of`: a lost answer costs 5 s in the resolver),
 * and no timer of a second or more ran out meanwhile. Both are counts: on a
 * loaded CI host (two cores, load 20 to 40) the same run's wall times say
 * little (p50 5.4 s, p99 10.9 s at load 29 with neither).
 * `started`: when the test began (its lookups' budget grows with its time).
 */
export async function assertSixteenWritersNeverWait(url: string, lookups: { of(host: string): number }, started: number): Promise<void> {
  // Warm the JIT and the connection pool so the figures are the steady state.
  await registerConcurrently(url, { writers: 4, total: 20, prefix: 'warm' });
  const { result: run, fired } = await timersFiredDuring(1_000, () => registerConcurrently(url, { writers: 16, total: 400 }));
  assert.deepEqual(run.failures, []);
  assert.equal(run.times.length, 400);
  const figures = `p50 ${run.at(0.5).toFixed(1)} ms, p99 ${run.at(0.99).toFixed(1)} ms, slowest ${run.times.at(-1)!.toFixed(0)} ms`;
  // Each registration used to look its interface host up again, and this host's resolver loses answers to
  // concurrent queries (glibc retries after 5 s). Now one lookup per host, shared by concurrent registrations
  // and remembered (a minute; 5 s for a name that does not resolve, as example.com may not in a sandbox).
  const allowed = 2 + Math.ceil((performance.now() - started) / 5_000);
  assert.ok(lookups.of('agents.example.com') <= allowed, `${lookups.of('agents.example.com')} lookups of agents.example.com for 420 registrations (at most ${allowed})`);
  // Nor did any registration wait on a timer of this process for work already done.
  assert.deepEqual(fired, [], `timers of a second or more ran out during the 400 registrations (${figures})`);
}
