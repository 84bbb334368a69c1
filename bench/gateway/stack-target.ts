/**
 * Child processes of the gateway and scale benchmarks: `registry`, `control`
 * the gateway (quotas, credits, audit on) as `agentmesh serve gateway` runs
 * it, in a process of its own, `runtime` the agent they front, `proxy`
 * the anchor: a bare node:http server relaying each request through an
 * undici pool, nothing checked. Each reports its URLs over IPC, answers `cpu`
 * with its CPU time so far, and exits on `stop` or when the harness leaves.
 *
 * Given `shared` (the scale bench), a gateway or runtime keeps its state in
 * PostgreSQL and signals through Redis, on a bus stream of the run's own, as
 * replicas of a fleet do; it then also answers `stats` with the statements,
 * transactions and Redis commands it has sent (call-counters.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { Pool } from 'undici';
import { createGateway, InProcessServers, type GatewayConfigInput } from '../../src/gateway/index.js';
import { createRegistry } from '../../src/registry/index.js';
import { createRuntime, defineAgent } from '../../src/runtime/index.js';
import { RedisBus } from '../../src/storage/index.js';
import { callCounts, installCallCounters, writeTally } from '../scale/call-counters.js';
import { startAllocationProfile } from './allocation-profile.js';
import { startPolicyAgentServer, type PolicyAgentStats } from './spoe/index.js';

const writeAllocationProfile = startAllocationProfile();

/** Where replicas share state: one PostgreSQL database, one Redis and a bus stream key of the run's own. */
export interface SharedState {
  databaseUrl: string;
  redisUrl: string;
  stream: string;
}

type Start =
  | { type: 'start'; kind: 'registry'; dataDir: string }
  | { type: 'start'; kind: 'control'; dataDir: string; adminToken: string; registryUrl: string; shared?: SharedState; port?: number; publicUrl?: string; keyEncryptionSecret?: string }
  | { type: 'start'; kind: 'runtime'; dataDir: string; registryUrl?: string; jwksUrl: string; shared?: SharedState; requireAssertion?: boolean }
  | { type: 'start'; kind: 'proxy'; upstream: string }
  | { type: 'start'; kind: 'together'; dataDir: string; adminToken: string; registryUrl: string; inProcess: boolean; directCalls?: boolean };

/** The bench agent of bench/targets/agentmesh.ts, priced at one credit per call (`name` differs for the `together` process). */
function benchAgentNamed(name: string) {
  return defineAgent({
    card: { name, description: 'Benchmark agent', version: '1.0.0' },
    registry: { skills: { echo: { pricing: { creditsPerCall: 1 } } } },
    skills: {
      echo: {
        description: 'Answers with one text artifact',
        // Declared, so the gateway (and the SPOE agent, with its steps) judges each message against it at the door.
        input: { type: 'string', minLength: 1, maxLength: 1000 },
        handler: async (_input, ctx) => {
          ctx.artifact({ name: 'answer', parts: [{ text: 'lead 42 scored 87' }] });
        },
      },
    },
  });
}
const benchAgent = benchAgentNamed('bench');

/** The bench agent under another name, for a gateway and runtime sharing a process beside the separate ones. */
const togetherAgent = benchAgentNamed('bench-together');

/**
 * The gateway as the benchmarks run it: every policy on, limits far above
 * the load — quotas, credits and audit, a PII policy (log: every message
 * scanned) and an approval rule (matched against every message send; the
 * bench's calls cost less than it gates).
 */
function benchGatewayConfig(message: { dataDir: string; registryUrl: string; adminToken: string }): GatewayConfigInput {
  return {
    // Any free port: two replicas on one host cannot both take the default 4290.
    port: 0,
    metricsPort: 0,
    host: '127.0.0.1',
    dataDir: message.dataDir,
    logLevel: 'warn',
    registryUrl: message.registryUrl,
    adminToken: message.adminToken,
    dev: true,
    allowHosts: ['127.0.0.1', 'localhost'],
    tenantRequestsPerMinute: 10_000_000,
    // Explicit (it is the default): the HAProxy anchor verifies the same tokens with jwt_verify ES256.
    signingAlg: 'ES256',
    pii: { default: { action: 'log' } },
    approvals: { rules: [{ id: 'bench-dear-calls', condition: 'price >= 1000', reason: 'calls of 1,000 credits or more need an approval' }] },
    // `commit` measures the answer held for its database transactions (ADR 0035) against the journal's one write per turn (ADR 0047).
    ...(process.env['BENCH_GATEWAY_ANSWER_DURABILITY'] === 'commit' && { answerDurability: 'commit' as const }),
    // `undici` measures the relay's upstream calls through undici against the llhttp client (ADR 0064).
    ...(process.env['BENCH_GATEWAY_UPSTREAM_CLIENT'] === 'undici' && { upstreamClient: 'undici' as const }),
    // `node` serves the public port on node:http's server against the llhttp front, the default (ADR 0065, 0067).
    ...((process.env['BENCH_GATEWAY_DATA_PLANE_SERVER'] === 'node' || process.env['BENCH_GATEWAY_DATA_PLANE_SERVER'] === 'llhttp') && { dataPlaneServer: process.env['BENCH_GATEWAY_DATA_PLANE_SERVER'] }),
  };
}

/** What one proxy hop costs with nothing on it: read the body, relay it with undici, relay the answer. */
async function bareProxy(upstream: string): Promise<string> {
  const target = new URL(upstream);
  const pool = new Pool(target.origin, { connections: 128 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      pool
        .request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: Buffer.concat(chunks) })
        .then(async (answer) => {
          const body = Buffer.from(await answer.body.arrayBuffer());
          res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The shared database and bus of a replica: counters first, so the pool's first statement is counted. */
let role = 'stack';

async function sharedState(shared: SharedState | undefined, as: string) {
  if (shared === undefined) return { config: {}, options: {} };
  role = as;
  await installCallCounters();
  const bus = await RedisBus.connect({ url: shared.redisUrl, stream: shared.stream });
  return { config: { databaseUrl: shared.databaseUrl, redisUrl: shared.redisUrl }, options: { bus } };
}

/** instructions-per-call `--profile-dir`: the main thread sampled over the measured calls only. */
let profiler: Session | undefined;
/** instructions-per-call `--jit-trace`: the second marks written into V8's trace. */
let jitTraceClock: NodeJS.Timeout | undefined;

/** instructions-per-call `--cpu`: the collections V8 ran on the main thread during the measured calls. */
let gcWindow: { observer: PerformanceObserver; count: (entries: PerformanceEntry[]) => void; scavenges: number; scavengeMs: number; majors: number; majorMs: number; other: number } | undefined;

/** The gateway of a `control` child: the SPOE policy agent decides with its parts. */
let controlGateway: Awaited<ReturnType<typeof createGateway>> | undefined;
/** The policy agents started in this child, for their counters. */
const spoeAgents: PolicyAgentStats[] = [];
/** Their SPOP servers' frame and socket counters. */
const spoeServers: Array<{ notifies: number; reads: number; writes: number }> = [];

process.on('message', async (message: Start | { type: 'stop' } | { type: 'cpu' } | { type: 'stats' } | { type: 'headers' } | { type: 'spoe'; cacheVerdicts: boolean } | { type: 'spoe-stats' } | { type: 'profile-start' } | { type: 'profile-stop'; file: string } | { type: 'jit-trace-start'; file: string } | { type: 'jit-trace-stop' } | { type: 'gc-start' } | { type: 'gc-stop' }) => {
  if (message.type === 'jit-trace-start') {
    // V8's own trace of what it (re)compiles and deoptimizes, turned on for the measured calls only: after the
    // warm-up, every line is work the steady state repeats. The trace goes to a file of its own (not stdout,
    // whose C buffer would interleave it with the bench's lines); V8 opens it on the first line it traces.
    setFlagsFromString('--redirect-code-traces');
    setFlagsFromString(`--redirect-code-traces-to=${message.file}`);
    setFlagsFromString('--trace-opt');
    setFlagsFromString('--trace-deopt');
    // More of V8's traces for the same window, e.g. `--trace-opt-verbose --trace-flush-code`.
    for (const flag of (process.env['AGENTMESH_BENCH_JIT_TRACE_FLAGS'] ?? '').split(' ').filter(Boolean)) setFlagsFromString(flag);
    // A line a second between V8's (it opens and closes the file for each of its lines): when each thing happened.
    const started = performance.now();
    jitTraceClock = setInterval(() => appendFileSync(message.file, `[clock ${((performance.now() - started) / 1000).toFixed(0)} s]\n`), 1000);
    process.send?.({ type: 'jit-trace-started' });
    return;
  }
  if (message.type === 'jit-trace-stop') {
    clearInterval(jitTraceClock);
    setFlagsFromString('--no-trace-opt');
    setFlagsFromString('--no-trace-deopt');
    for (const flag of (process.env['AGENTMESH_BENCH_JIT_TRACE_FLAGS'] ?? '').split(' ').filter(Boolean)) setFlagsFromString(flag.replace(/^--(no-)?/, (_, no: string | undefined) => (no ? '--' : '--no-')));
    process.send?.({ type: 'jit-trace-stopped' });
    return;
  }
  if (message.type === 'gc-start') {
    // Node's `gc` performance entries: one per collection, its main-thread pause as the duration. Scavenges per
    // call is load-independent (what is allocated over the young generation's size); the pause is not.
    const window = { scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0, other: 0 };
    const count = (entries: PerformanceEntry[]) => {
      for (const entry of entries as Array<PerformanceEntry & { detail?: { kind?: number } }>) {
        const kind = entry.detail?.kind;
        if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
          window.scavenges++;
          window.scavengeMs += entry.duration;
        } else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
          window.majors++;
          window.majorMs += entry.duration;
        } else window.other += entry.duration;
      }
    };
    const observer = new PerformanceObserver((list) => count(list.getEntries()));
    observer.observe({ entryTypes: ['gc'] });
    gcWindow = Object.assign(window, { observer, count });
    process.send?.({ type: 'gc-started' });
    return;
  }
  if (message.type === 'gc-stop') {
    const window = gcWindow!;
    // The entries of the last collections, not yet handed to the callback.
    window.count(window.observer.takeRecords());
    window.observer.disconnect();
    gcWindow = undefined;
    // Resident set now and at its peak (the kernel's high-water mark, start-up and warm-up included).
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    process.send?.({ type: 'gc-stopped', scavenges: window.scavenges, scavengeMs: window.scavengeMs, majors: window.majors, majorMs: window.majorMs, otherMs: window.other, rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM') });
    return;
  }
  if (message.type === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    // --cpu-prof's default interval, so cpu-by-step reads both alike.
    await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
    await profiler.post('Profiler.start');
    process.send?.({ type: 'profile-started' });
    return;
  }
  if (message.type === 'profile-stop') {
    const { profile } = await profiler!.post('Profiler.stop');
    profiler!.disconnect();
    profiler = undefined;
    await writeFile(message.file, JSON.stringify(profile));
    process.send?.({ type: 'profile-written' });
    return;
  }
  if (message.type === 'spoe') {
    // HAProxy's policy agent (bench/gateway/spoe), in the gateway's process: its identity, credits and audit.
    const { agent, server } = await startPolicyAgentServer(controlGateway!, { cacheVerdicts: message.cacheVerdicts });
    spoeAgents.push(agent.stats);
    spoeServers.push(server.stats);
    process.send?.({ type: 'spoe', port: server.port });
    return;
  }
  if (message.type === 'spoe-stats') {
    const sum = <T,>(all: T[], of: (s: T) => number) => all.reduce((total, s) => total + of(s), 0);
    process.send?.({ type: 'spoe-stats', failedAnswers: sum(spoeAgents, (s) => s.failedAnswers), abandoned: sum(spoeAgents, (s) => s.abandoned), notifies: sum(spoeServers, (s) => s.notifies), reads: sum(spoeServers, (s) => s.reads), writes: sum(spoeServers, (s) => s.writes) });
    return;
  }
  if (message.type === 'headers') {
    process.send?.({ type: 'headers', headers: capturedHeaders ?? {} });
    return;
  }
  if (message.type === 'stop') {
    await writeAllocationProfile();
    process.exit(0);
  }
  if (message.type === 'cpu' || message.type === 'stats') {
    const { user, system } = process.cpuUsage();
    if (message.type === 'stats') writeTally(role);
    process.send?.({ type: message.type, micros: user + system, ...(message.type === 'stats' ? callCounts() : {}) });
    return;
  }
  if (message.kind === 'proxy') {
    process.send?.({ type: 'ready', url: await bareProxy(message.upstream) });
    return;
  }
  if (message.kind === 'registry') {
    const registry = await createRegistry({ config: { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'warn', dev: true, allowHosts: ['127.0.0.1', 'localhost'] } });
    const { url } = await registry.listen();
    process.send?.({ type: 'ready', url });
    return;
  }
  if (message.kind === 'control') {
    const shared = await sharedState(message.shared, 'gateway');
    const gateway = await createGateway({
      ...shared.options,
      config: {
        ...shared.config,
        ...benchGatewayConfig(message),
        port: message.port ?? 0,
        ...(message.publicUrl === undefined ? {} : { publicUrl: message.publicUrl }),
        ...(message.keyEncryptionSecret === undefined ? {} : { keyEncryptionSecret: message.keyEncryptionSecret }),
      },
    });
    const { url: gatewayUrl } = await gateway.listen();
    controlGateway = gateway;
    // Under valgrind (instructions-per-call) the gateway, like the runtime below, can spend seconds in a
    // compile on a busy host before a request's headers are read: no 408 for that. Node's server reads
    // this deadline at each check, so it can be lengthened after listening.
    if (process.env['AGENTMESH_BENCH_PATIENT'] === '1') gateway.app.server.headersTimeout = 120_000;
    process.send?.({ type: 'ready', gatewayUrl });
    return;
  }
  if (message.kind === 'together') {
    // `agentmesh up`'s shape: the gateway and the agent's runtime in one process, the gateway reaching
    // the runtime in memory (InProcessServers) or over loopback TCP; one CPU figure covers both.
    const inProcess = message.inProcess ? new InProcessServers() : undefined;
    const gateway = await createGateway({ config: benchGatewayConfig({ ...message, dataDir: `${message.dataDir}/gateway` }), ...(inProcess && { inProcess }) });
    const { url: gatewayUrl } = await gateway.listen();
    const runtime = await createRuntime({
      agents: [togetherAgent],
      config: {
        port: 0,
        host: '127.0.0.1',
        dataDir: `${message.dataDir}/runtime`,
        logLevel: 'warn',
        registryUrl: message.registryUrl,
        gatewayJwksUrl: `${gatewayUrl}/.well-known/jwks.json`,
        // lone-call.ts --in-process calls the runtime directly too, as the gateway bench does its own.
        ...(message.directCalls === true && { requireGatewayAssertion: false }),
      },
    });
    const { url } = await runtime.listen();
    inProcess?.add(url, runtime.app.server);
    process.send?.({ type: 'ready', gatewayUrl, agent: togetherAgent.card.name, runtimeUrl: url });
    return;
  }
  const shared = await sharedState(message.shared, 'runtime');
  const runtime = await createRuntime({
    ...shared.options,
    agents: [benchAgent],
    // The bench measures the runtime directly too, so direct calls stay open (a development opt-out:
    // with a gateway configured the runtime otherwise requires its assertion). `requireAssertion`: the
    // runtime behind the SPOE fronts, which must pass the assertion check as the gateway's calls would.
    config: {
      ...shared.config,
      // Replicas on one database seal push configs under one secret (docs/operations.md, AGENTMESH_SECRET).
      ...(message.shared === undefined ? {} : { storageSecret: 'bench-scale-storage-secret-0123456789abcdef' }),
      port: 0,
      host: '127.0.0.1',
      dataDir: message.dataDir,
      logLevel: 'warn',
      ...(message.registryUrl !== undefined && { registryUrl: message.registryUrl }),
      gatewayJwksUrl: message.jwksUrl,
      requireGatewayAssertion: message.requireAssertion === true,
      // Under valgrind (instructions-per-call) a request can wait seconds for a compile on a busy host: no 408 for that.
      ...(process.env['AGENTMESH_BENCH_PATIENT'] === '1' ? { headersTimeoutMs: 120_000, requestTimeoutMs: 600_000 } : {}),
    },
  });
  const { url } = await runtime.listen();
  if (process.env['AGENTMESH_BENCH_CAPTURE_HEADERS'] === '1') {
    // instructions-per-call --runtime --by-header: the headers of the last call that carried an assertion
    // (the gateway's), so the runtime can be called directly with each of them in turn.
    runtime.app.server.prependListener('request', (req: { headers: Record<string, unknown> }) => {
      if (req.headers['authorization'] !== undefined) capturedHeaders = { ...req.headers };
    });
  }
  process.send?.({ type: 'ready', url });
});
let capturedHeaders: Record<string, unknown> | undefined;
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
