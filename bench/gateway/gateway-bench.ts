/**
 * The gateway part of `npm run bench`: SendMessage to the agentmesh runtime
 * directly, then through the fronts in the same run — a bare node:http +
 * undici relay, nginx as a plain relay, HAProxy verifying the JWT with a
 * stick-table rate limit, HAProxy relaying with agentmesh's policy agent
 * deciding beside it over SPOE (per call, and with the verdict cached in
 * HAProxy; bench/gateway/spoe), and the gateway with everything on (JWT
 * validation, scope and tenant checks, quotas, a credit reservation and
 * settlement per call, the audit trail) — every target once per round, the
 * median of the rounds reported. nginx and HAProxy are used when installed,
 * never installed: when absent their rows are skipped with how to get them.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { summarizeRounds, type GatewayAbsence, type GatewayBenchReport, type GatewayRow, type GatewayTarget } from './gateway-report.js';
import { startHaproxyRelay } from './haproxy-relay.js';
import type { NativeRelay } from './native-relay.js';
import { startNginxRelay } from './nginx-relay.js';
import { startHaproxySpoe, type SpoeMode } from './spoe/index.js';
import { REQUESTS_PER_MINUTE, cpuOf, json, provisionBenchClient, spoeCountsIn, spoeFailuresIn, startSpoeAgentIn, startStackChild as startChild } from './stack-process.js';
import { timedPost } from '../timed-post.js';

export { formatGatewayBench, gatewayBenchFailed, type GatewayBenchReport } from './gateway-report.js';

type Log = (line: string) => void;

const ADMIN = 'bench-admin-token-0123456789abcdef';

function body(): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'bench-[<id>]', role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] } } });
}

/**
 * BENCH_GATEWAY_RATE (calls a second): every front is loaded at that pace
 * instead of as fast as it answers, so each is measured batching the same
 * number of calls a turn: on a busy host a front slowed by other work
 * batches less, and its CPU per call rises with it (ADR 0061). The calls are
 * sent evenly spaced (open loop: {@link pacedLoad}), not with autocannon's
 * `overallRate`, which gives each connection a budget a second that it
 * spends as fast as the front answers and then waits out: the runtime then
 * got each second's calls in one burst at the front's full-load pace, so
 * "the same pace" still had the runtime behind a slower front batch less.
 */
const FIXED_RATE = Number(process.env['BENCH_GATEWAY_RATE'] ?? 0) || undefined;

/** What the bench reads of a loaded run: autocannon's result, or {@link pacedLoad}'s in its shape. */
export interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

export function load(url: string, headers: Record<string, string>, connections: number, durationS: number): Promise<LoadResult> {
  if (FIXED_RATE !== undefined) return pacedLoad(url, headers, connections, durationS, FIXED_RATE);
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', connections, duration: durationS, idReplacement: true, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers }, body: body() },
      (err: Error | null, result: autocannon.Result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/**
 * `rate` calls a second for `durationS`, evenly spaced: each millisecond the
 * calls then due are sent (open loop: a slow answer does not delay the next
 * call), on at most `connections` keep-alive connections; a call waiting for
 * a free connection is timed from when it was due (no coordinated omission).
 * Latencies in ms, as autocannon's.
 */
export async function pacedLoad(url: string, headers: Record<string, string>, connections: number, durationS: number, rate: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const total = Math.max(1, Math.round(durationS * rate));
  const latencies: number[] = [];
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let non2xx = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const settle = () => {
      if (++answered === total) resolve();
    };
    const send = (due: number) => {
      const payload = body().replace('[<id>]', `${process.pid}-${started.toFixed(0)}-${sent}`);
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - due);
          if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
          settle();
        });
      });
      req.on('error', () => {
        errors++;
        settle();
      });
      req.end(payload);
    };
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; ) {
        const dueAt = started + (sent * 1000) / rate;
        sent++;
        send(dueAt);
      }
      if (sent >= total) clearInterval(tick);
    }, 1);
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = (performance.now() - started) / 1000;
  return { requests: { average: total / Math.max(durationS, seconds), total }, latency: { p50: hundredths(latencies[Math.floor(latencies.length / 2)] ?? 0), p99: hundredths(latencies[Math.floor(latencies.length * 0.99)] ?? 0) }, errors, non2xx };
}

const hundredths = (ms: number): number => Math.round(ms * 100) / 100;

/** One call at a time on one keep-alive connection, high-resolution clock: what the gateway adds to a call. */
async function sequential(url: string, headers: Record<string, string>, count: number): Promise<{ p50Ms: number; p99Ms: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const payload = body().replace('[<id>]', `${process.pid}-${Date.now()}-${i}`);
    const { status, ms } = await timedPost(agent, target, payload, { 'a2a-version': '1.0', ...headers });
    times.push(ms);
    if (status !== 200) failures++;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50Ms: times[Math.floor(times.length / 2)]!, p99Ms: times[Math.floor(times.length * 0.99)]!, failures };
}

/** A target of one round: where the calls go, with which headers, and whose CPU is the front's. */
interface Front {
  target: GatewayTarget;
  url: string;
  headers: () => Record<string, string>;
  cpu: (() => Promise<number>) | undefined;
  /** Of `cpu`, the policy agent's process (the SPOE fronts). */
  agentCpu?: () => Promise<number>;
  /** The runtime behind it, when not the shared one (the SPOE fronts' requires the assertion). */
  runtime?: ChildProcess;
  /** Failures the front saw that the load's counts cannot (a JSON-RPC error comes with HTTP 200), so far. */
  failures?: () => Promise<number>;
  /** The SPOE agents' NOTIFY frames, socket reads and writes so far: frames per syscall over the loaded run. */
  spop?: () => Promise<{ notifies: number; reads: number; writes: number }>;
}

export async function completes(url: string, headers: Record<string, string>): Promise<string | undefined> {
  const answer = await json(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'a2a-version': '1.0' }, body: body().replace('[<id>]', `check-${Date.now()}`) });
  return answer.body?.result?.task?.status?.state === 'TASK_STATE_COMPLETED' ? undefined : `a call did not complete (HTTP ${answer.status}): ${JSON.stringify(answer.body).slice(0, 300)}`;
}

/** The HAProxy front must refuse a call without a token and one signed by another key, and pass the gateway's. */
export async function checkHaproxy(url: string, token: string): Promise<string | undefined> {
  const none = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
  await none.arrayBuffer();
  if (none.status !== 401) return `a call without a token answered ${none.status}, not 401`;
  const { privateKey } = await generateKeyPair('ES256');
  const forged = await new SignJWT(decodeJwt(token)).setProtectedHeader(decodeProtectedHeader(token) as { alg: string }).sign(privateKey);
  const wrong = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' }, body: body() });
  await wrong.arrayBuffer();
  if (wrong.status !== 401) return `a token signed by another key answered ${wrong.status}, not 401`;
  return completes(url, { authorization: `Bearer ${token}` });
}

/**
 * An SPOE front: HAProxy refuses a call without a token and one signed by
 * another key, the runtime behind it refuses a call without the gateway's
 * assertion, and a call with the gateway's token completes through it.
 */
async function checkSpoe(url: string, token: string, strictRuntimeUrl: string): Promise<string | undefined> {
  const refused = await json(strictRuntimeUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: body().replace('[<id>]', `strict-${Date.now()}`) });
  if (refused.body?.result !== undefined) return 'the runtime behind the SPOE front answered a call without the gateway assertion';
  return checkHaproxy(url, token);
}

/** Starts a native relay; `skipped` when it is not installed, `failed` when it is but does not work. */
async function startRelay(
  target: GatewayTarget,
  start: () => Promise<NativeRelay | { missing: string }>,
  check: (relay: NativeRelay) => Promise<string | undefined>,
  absent: { skipped: GatewayAbsence[]; failed: GatewayAbsence[] },
  log: Log,
): Promise<NativeRelay | undefined> {
  let relay: NativeRelay | { missing: string };
  try {
    relay = await start();
  } catch (err) {
    absent.failed.push({ target, reason: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
  if ('missing' in relay) {
    absent.skipped.push({ target, reason: relay.missing });
    log(`gateway: ${target} skipped: ${relay.missing}`);
    return undefined;
  }
  const problem = await check(relay).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  if (problem !== undefined) {
    await relay.stop();
    absent.failed.push({ target, reason: problem });
    return undefined;
  }
  return relay;
}

export async function runGatewayBench({ durationS, warmupS, connections, rounds, log }: { durationS: number; warmupS: number; connections: number; rounds: number; log: Log }): Promise<GatewayBenchReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-gateway-'));
  const children: ChildProcess[] = [];
  const relays: NativeRelay[] = [];
  try {
    const registry = await startChild({ kind: 'registry', dataDir: join(dataDir, 'registry') });
    children.push(registry.child);
    const registryUrl = registry.message['url']!;
    const control = await startChild({ kind: 'control', dataDir: join(dataDir, 'control'), adminToken: ADMIN, registryUrl });
    children.push(control.child);
    const { gatewayUrl } = control.message as { gatewayUrl: string };
    const jwksUrl = `${gatewayUrl}/.well-known/jwks.json`;
    const runtime = await startChild({ kind: 'runtime', dataDir: join(dataDir, 'runtime'), registryUrl, jwksUrl });
    children.push(runtime.child);
    const runtimeOrigin = runtime.message['url']!;
    const path = '/agents/bench';
    const directUrl = `${runtimeOrigin}${path}`;
    const viaGateway = `${gatewayUrl}${path}`;
    // The runtime behind the SPOE fronts: not registered (the gateway does not route to it), and it requires the
    // gateway's assertion, so the agent's assertions are checked as the gateway's are.
    const strict = await startChild({ kind: 'runtime', dataDir: join(dataDir, 'runtime-strict'), jwksUrl, requireAssertion: true });
    children.push(strict.child);
    const strictOrigin = strict.message['url']!;
    const proxy = await startChild({ kind: 'proxy', upstream: directUrl });
    children.push(proxy.child);
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const fetchToken = await provisionBenchClient({ gatewayUrl, adminToken: ADMIN });
    let token = await fetchToken();
    const auth = () => ({ authorization: `Bearer ${token}` });
    for (let i = 0; ; i++) {
      const card = await fetch(`${viaGateway}/.well-known/agent-card.json`);
      if (card.status === 200) break;
      if (i > 200) throw new Error('the gateway never routed to the bench agent');
      await new Promise((r) => setTimeout(r, 50));
    }
    const check = await completes(viaGateway, auth());
    if (check !== undefined) throw new Error(`through the gateway: ${check}`);

    const absent = { skipped: [] as GatewayAbsence[], failed: [] as GatewayAbsence[] };
    const nginx = await startRelay('nginx', () => startNginxRelay({ dir: join(dataDir, 'nginx'), upstream: runtimeOrigin }), (relay) => completes(`${relay.origin}${path}`, {}), absent, log);
    if (nginx) relays.push(nginx);
    await mkdir(join(dataDir, 'haproxy'), { recursive: true });
    const haproxy = await startRelay(
      'haproxy-jwt',
      () => startHaproxyRelay({ dir: join(dataDir, 'haproxy'), upstream: runtimeOrigin, jwksUrl, token, scope: 'a2a:message:send', requestsPerMinute: REQUESTS_PER_MINUTE }),
      (relay) => checkHaproxy(`${relay.origin}${path}`, token),
      absent,
      log,
    );
    if (haproxy) relays.push(haproxy);
    const spoeFronts: Front[] = [];
    for (const mode of ['per-call', 'cached'] as SpoeMode[]) {
      const target = mode === 'cached' ? ('haproxy-spoe-cached' as const) : ('haproxy-spoe' as const);
      const relay = await startRelay(
        target,
        async () => startHaproxySpoe({ dir: join(dataDir, 'haproxy'), upstream: strictOrigin, gateway: gatewayUrl, agentPort: await startSpoeAgentIn(control.child, mode === 'cached'), mode }),
        (started) => checkSpoe(`${started.origin}${path}`, token, `${strictOrigin}${path}`),
        absent,
        log,
      );
      if (relay === undefined) continue;
      relays.push(relay);
      // The front is HAProxy and the agent's process (the gateway's, whose data plane is idle meanwhile) together.
      spoeFronts.push({ target, url: `${relay.origin}${path}`, headers: auth, cpu: async () => (await relay.cpuMicros()) + (await cpuOf(control.child)), agentCpu: () => cpuOf(control.child), runtime: strict.child, failures: () => spoeFailuresIn(control.child), spop: () => spoeCountsIn(control.child) });
    }
    for (const { target, reason } of absent.failed) log(`gateway: ${target} FAILED: ${reason}`);

    const allFronts: Front[] = [
      { target: 'direct', url: directUrl, headers: () => ({}), cpu: undefined },
      { target: 'bare-relay', url: proxy.message['url']!, headers: () => ({}), cpu: () => cpuOf(proxy.child) },
      ...(nginx ? [{ target: 'nginx' as const, url: `${nginx.origin}${path}`, headers: () => ({}), cpu: () => nginx.cpuMicros() }] : []),
      ...(haproxy ? [{ target: 'haproxy-jwt' as const, url: `${haproxy.origin}${path}`, headers: auth, cpu: () => haproxy.cpuMicros() }] : []),
      ...spoeFronts,
      { target: 'gateway', url: viaGateway, headers: auth, cpu: () => cpuOf(control.child) },
    ];
    // BENCH_GATEWAY_FRONTS (a comma list of targets) measures those alone: a CPU profile of one front's process.
    const only = process.env['BENCH_GATEWAY_FRONTS']?.split(',').map((t) => t.trim()).filter(Boolean);
    const fronts = only === undefined ? allFronts : allFronts.filter((f) => only.includes(f.target));
    const roundRows: GatewayRow[][] = [];
    for (let round = 1; round <= rounds; round++) {
      if (round > 1) token = await fetchToken();
      const rows: GatewayRow[] = [];
      // Each round starts one target later, so no target always follows the same one (the machine's load drifts).
      const order = fronts.map((_, i) => fronts[(i + round - 1) % fronts.length]!);
      for (const { target, url, headers, cpu, agentCpu, runtime: behind = runtime.child, failures, spop } of order) {
        log(`gateway${rounds > 1 ? ` round ${round} of ${rounds}` : ''}: ${target}: warm-up ${warmupS} s, then ${durationS} s at ${connections} connections, then 1,000 calls one at a time…`);
        const failedBefore = failures ? await failures() : 0;
        if (warmupS > 0) await load(url, headers(), connections, warmupS);
        const before = { runtime: await cpuOf(behind), front: cpu ? await cpu() : 0, agent: agentCpu ? await agentCpu() : 0, spop: spop ? await spop() : undefined };
        const result = await load(url, headers(), connections, durationS);
        const spopAfter = spop ? await spop() : undefined;
        const runtimeCpuMicros = (await cpuOf(behind)) - before.runtime;
        const frontCpuMicros = cpu ? (await cpu()) - before.front : undefined;
        const agentCpuMicros = agentCpu ? (await agentCpu()) - before.agent : undefined;
        const one = await sequential(url, headers(), 1000);
        // What the front saw fail over the warm-up, the loaded run and the calls one at a time.
        const seenFailing = failures ? (await failures()) - failedBefore : 0;
        const requests = Math.max(1, result.requests.total);
        rows.push({
          target,
          requestsPerSec: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          sequentialP50Ms: one.p50Ms,
          sequentialP99Ms: one.p99Ms,
          errors: result.errors,
          non2xx: result.non2xx + one.failures + seenFailing,
          runtimeCpuMicros: runtimeCpuMicros / requests,
          frontCpuMicros: frontCpuMicros === undefined ? undefined : frontCpuMicros / requests,
          ...(agentCpuMicros !== undefined && { agentCpuMicros: agentCpuMicros / requests }),
        });
        if (before.spop !== undefined && spopAfter !== undefined) {
          const frames = spopAfter.notifies - before.spop.notifies;
          log(`  ${target}: SPOP over the loaded run: ${(frames / Math.max(1, result.requests.total)).toFixed(2)} NOTIFY frames a call, ${(frames / Math.max(1, spopAfter.reads - before.spop.reads)).toFixed(2)} a socket read, ${(frames / Math.max(1, spopAfter.writes - before.spop.writes)).toFixed(2)} ACKs a socket write`);
        }
        log(`  ${target}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; one at a time p50 ${one.p50Ms.toFixed(3)} ms; CPU µs/req front ${frontCpuMicros === undefined ? '-' : (frontCpuMicros / requests).toFixed(0)}${agentCpuMicros === undefined ? '' : ` (agent ${(agentCpuMicros / requests).toFixed(0)})`}${result.errors + result.non2xx + one.failures + seenFailing > 0 ? `; ${result.errors} errors, ${result.non2xx + one.failures + seenFailing} non-2xx or failed answers` : ''}`);
      }
      roundRows.push(rows);
    }
    const usage = await json(`${gatewayUrl}/v1/tenants/bench/credits`, { headers: admin });
    // The total (available + reserved): a replica's credit lease is reserved, not charged (ADR 0010).
    log(`  credits charged to the bench tenant: ${((1_000_000_000_000 - usage.body.milliCredits) / 1000).toFixed(0)} (reserved now, calls' holds and leases: ${usage.body.reservedMilliCredits / 1000})`);
    return summarizeRounds({ roundRows, ...absent });
  } finally {
    for (const relay of relays) await relay.stop();
    // SIGINT lets a profiled child write its profile.
    for (const child of children) child.kill(process.env['BENCH_GATEWAY_NODE_OPTIONS'] || process.env['BENCH_GATEWAY_ONLY_NODE_OPTIONS'] ? 'SIGINT' : 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}
