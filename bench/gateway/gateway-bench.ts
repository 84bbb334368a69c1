/**
 * The gateway part of `npm run bench`: SendMessage to the agentmesh runtime
 * directly, then through the gateway with everything on — JWT validation,
 * scope and tenant checks, quotas, a credit reservation and settlement per
 * call, and the audit trail — against the same runtime, in the same run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

type Log = (line: string) => void;

export interface GatewayBenchReport {
  rows: Array<{
    target: 'direct' | 'bare-proxy' | 'gateway';
    requestsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    sequentialP50Ms: number;
    sequentialP99Ms: number;
    errors: number;
    non2xx: number;
    /** CPU time per request of the runtime and of the process in front of it (none for direct), µs, over the loaded run. */
    runtimeCpuMicros: number;
    frontCpuMicros: number | undefined;
  }>;
  auditRows: number;
}

const ADMIN = 'bench-admin-token-0123456789abcdef';

async function startChild(start: Record<string, unknown>): Promise<{ child: ChildProcess; message: Record<string, string> }> {
  // BENCH_GATEWAY_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the children (file names carry their pids, logged below).
  const execArgv = process.env['BENCH_GATEWAY_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [];
  const child = fork(fileURLToPath(new URL('./stack-target.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  child.send({ type: 'start', ...start });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [Record<string, string>];
  if (message['type'] !== 'ready') throw new Error(`gateway bench child (${String(start['kind'])}) failed to start`);
  if (execArgv.length > 0) process.stdout.write(`gateway bench child ${String(start['kind'])}: pid ${child.pid}\n`);
  return { child, message };
}

/** CPU time (user + system) a bench child has used so far, µs. */
async function cpuOf(child: ChildProcess): Promise<number> {
  const answer = new Promise<number>((resolve) => {
    const onMessage = (m: { type?: string; micros?: number }) => {
      if (m.type !== 'cpu') return;
      child.off('message', onMessage);
      resolve(m.micros ?? 0);
    };
    child.on('message', onMessage);
  });
  child.send({ type: 'cpu' });
  return answer;
}

function body(): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'bench-[<id>]', role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] } } });
}

function load(url: string, headers: Record<string, string>, connections: number, durationS: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', connections, duration: durationS, idReplacement: true, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers }, body: body() },
      (err: Error | null, result: autocannon.Result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** One call at a time on one keep-alive connection, high-resolution clock: what the gateway adds to a call. */
async function sequential(url: string, headers: Record<string, string>, count: number): Promise<{ p50Ms: number; p99Ms: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const payload = body().replace('[<id>]', `${process.pid}-${Date.now()}-${i}`);
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(payload);
    });
    times.push(performance.now() - started);
    if (status !== 200) failures++;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50Ms: times[Math.floor(times.length / 2)]!, p99Ms: times[Math.floor(times.length * 0.99)]!, failures };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function runGatewayBench({ durationS, warmupS, connections, log }: { durationS: number; warmupS: number; connections: number; log: Log }): Promise<GatewayBenchReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-gateway-'));
  const children: ChildProcess[] = [];
  try {
    const registry = await startChild({ kind: 'registry', dataDir: join(dataDir, 'registry') });
    children.push(registry.child);
    const registryUrl = registry.message['url']!;
    const control = await startChild({ kind: 'control', dataDir: join(dataDir, 'control'), adminToken: ADMIN, registryUrl });
    children.push(control.child);
    const { gatewayUrl } = control.message as { gatewayUrl: string };
    const runtime = await startChild({ kind: 'runtime', dataDir: join(dataDir, 'runtime'), registryUrl, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
    children.push(runtime.child);
    const directUrl = `${runtime.message['url']}/agents/bench`;
    const viaGateway = `${gatewayUrl}/agents/bench`;
    const proxy = await startChild({ kind: 'proxy', upstream: directUrl });
    children.push(proxy.child);
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const client = await json(`${gatewayUrl}/v1/clients`, {
      method: 'POST',
      headers: admin,
      // The quota stays on, set far above the load: the bench measures its cost, not its refusals.
      body: JSON.stringify({ name: 'bench', tenant: 'bench', scopes: ['a2a:message:send', 'a2a:tasks:read'], authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute: 10_000_000, burst: 1000 } }),
    });
    if (client.status !== 201) throw new Error(`client creation answered ${client.status}: ${JSON.stringify(client.body)}`);
    await json(`${gatewayUrl}/v1/tenants/bench/credits/topups`, { method: 'POST', headers: admin, body: JSON.stringify({ reference: 'bench', milliCredits: 1_000_000_000_000 }) });
    const basic = Buffer.from(`${client.body.client_id}:${client.body.client_secret}`).toString('base64');
    const token = await json(`${gatewayUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const auth = { authorization: `Bearer ${token.body.access_token}` };
    for (let i = 0; ; i++) {
      const card = await fetch(`${viaGateway}/.well-known/agent-card.json`);
      if (card.status === 200) break;
      if (i > 200) throw new Error('the gateway never routed to the bench agent');
      await new Promise((r) => setTimeout(r, 50));
    }
    const check = await json(viaGateway, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'a2a-version': '1.0' }, body: body().replace('[<id>]', 'check') });
    if (check.body?.result?.task?.status?.state !== 'TASK_STATE_COMPLETED') throw new Error(`a call through the gateway did not complete: ${JSON.stringify(check.body).slice(0, 300)}`);

    const rows: GatewayBenchReport['rows'] = [];
    const targets = [
      ['direct', directUrl, {}, undefined],
      ['bare-proxy', proxy.message['url']!, {}, proxy.child],
      ['gateway', viaGateway, auth, control.child],
    ] as const;
    for (const [target, url, headers, front] of targets) {
      log(`gateway: ${target}: warm-up ${warmupS} s, then ${durationS} s at ${connections} connections, then 1,000 calls one at a time…`);
      if (warmupS > 0) await load(url, headers, connections, warmupS);
      const before = { runtime: await cpuOf(runtime.child), front: front ? await cpuOf(front) : 0 };
      const result = await load(url, headers, connections, durationS);
      const runtimeCpuMicros = (await cpuOf(runtime.child)) - before.runtime;
      const frontCpuMicros = front ? (await cpuOf(front)) - before.front : undefined;
      const one = await sequential(url, headers, 1000);
      const requests = Math.max(1, result.requests.total);
      rows.push({
        target,
        requestsPerSec: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        sequentialP50Ms: one.p50Ms,
        sequentialP99Ms: one.p99Ms,
        errors: result.errors,
        non2xx: result.non2xx + one.failures,
        runtimeCpuMicros: runtimeCpuMicros / requests,
        frontCpuMicros: frontCpuMicros === undefined ? undefined : frontCpuMicros / requests,
      });
      log(`  ${target}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; one at a time p50 ${one.p50Ms.toFixed(2)} ms`);
    }
    const usage = await json(`${gatewayUrl}/v1/tenants/bench/credits`, { headers: admin });
    log(`  credits charged to the bench tenant: ${((1_000_000_000_000 - usage.body.availableMilliCredits) / 1000).toFixed(0)} (reserved now: ${usage.body.reservedMilliCredits / 1000})`);
    return { rows, auditRows: 0 };
  } finally {
    // SIGTERM lets a profiled child write its profile.
    for (const child of children) child.kill(process.env['BENCH_GATEWAY_NODE_OPTIONS'] ? 'SIGINT' : 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatGatewayBench(report: GatewayBenchReport): string[] {
  const row = (target: GatewayBenchReport['rows'][number]['target']) => report.rows.find((r) => r.target === target)!;
  const [direct, bare, gateway] = [row('direct'), row('bare-proxy'), row('gateway')];
  const ratio = gateway.requestsPerSec / direct.requestsPerSec;
  const added = gateway.sequentialP50Ms - direct.sequentialP50Ms;
  const cpu = (micros: number | undefined) => (micros === undefined ? '-' : micros.toFixed(0));
  return [
    'SendMessage through the gateway (JWT, scopes, tenant, quota, credits reserve+settle, audit) vs the runtime directly,',
    'and through a bare node:http + undici relay that checks nothing (what one hop costs on this machine)',
    '  target        req/s   p50 ms  p99 ms   one-at-a-time p50  p99 ms  errors   CPU µs/req runtime  front',
    ...report.rows.map(
      (r) =>
        `  ${r.target.padEnd(11)} ${r.requestsPerSec.toFixed(0).padStart(7)} ${String(r.p50Ms).padStart(7)} ${String(r.p99Ms).padStart(7)}   ${r.sequentialP50Ms.toFixed(2).padStart(17)} ${r.sequentialP99Ms.toFixed(2).padStart(7)}  ${String(r.errors + r.non2xx).padStart(6)}   ${cpu(r.runtimeCpuMicros).padStart(18)} ${cpu(r.frontCpuMicros).padStart(6)}`,
    ),
    `  gateway / direct: throughput ${ratio.toFixed(2)}× (≥ 0.7: ${ratio >= 0.7 ? 'met' : 'NOT met'}); p50 added one at a time ${added.toFixed(2)} ms (≤ 1.5 ms: ${added <= 1.5 ? 'met' : 'NOT met'}); under load ${(gateway.p50Ms - direct.p50Ms).toFixed(1)} ms`,
    `  bare relay / direct: ${(bare.requestsPerSec / direct.requestsPerSec).toFixed(2)}×; gateway / bare relay: ${(gateway.requestsPerSec / bare.requestsPerSec).toFixed(2)}×`,
  ];
}
