/**
 * Where a gateway's CPU goes, by step of the call: reads the V8 CPU profiles
 * a bench child wrote (`--cpu-prof`) and prints each step's share of the busy
 * samples, and its microseconds per call when given the same run's CPU per
 * call. Shares are what to read on a loaded host (absolute figures move with
 * the load; shares move by about a point, docs/benchmarks.md).
 *
 *   BENCH_GATEWAY_ONLY_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/gwprof" \
 *     npm run bench -- --only gateway --duration 5
 *   node dist/bench/gateway/cpu-by-step.js /tmp/gwprof [--cpu-us-per-call 224] [--top 12]
 *
 * A directory is read whole; of a process's profiles (one per thread) only
 * the largest, its main thread, is counted. Each busy sample goes to the
 * first step found walking up its stack from the leaf (a SQLite statement
 * is the credits' or the audit's that ran it), except that Node's own HTTP,
 * socket, stream and timer code stays "Node HTTP and sockets" whoever called
 * it: that is the relaying every front pays. `(idle)` samples are left out.
 * `--top N` also lists the N functions with the most self time, for what the
 * steps' rows do not say.
 *
 * Only the process's loaded turn is counted: the longest run of consecutive
 * seconds (after the first `--skip-s`, default 0) whose busy time is at
 * least `--busy-share` (default 0.3) of the busiest second's, less its first
 * `--warmup-s` (default 3): the bench's warm-up, when code loaded and
 * compiled on first use runs. A bench child idles while the other targets
 * run, so its start-up is a run of its own (the one the profile begins
 * with, never counted), and not per call.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which samples count: those of the loaded seconds after start-up. */
interface Window {
  skipUs: number;
  busyShare: number;
  warmupS: number;
}

const STORAGE_STEP = 'storage (database drivers, outside a step)';

/** A step and what its frames look like; the first rule that matches a frame names it. Order matters. */
const STEPS: ReadonlyArray<{ step: string; match: (f: CallFrame) => boolean }> = [
  { step: 'GC', match: (f) => f.functionName === '(garbage collector)' },
  { step: 'identity (token, principal, assertion signing)', match: (f) => /\/src\/gateway\/(identity\/|assertion-cache|proxy\/(authenticate-step|delegation))|\/node_modules\/jose\//.test(f.url) },
  { step: 'credits (reserve, settle, lease writes)', match: (f) => /\/src\/gateway\/(credits\/|proxy\/reserve-step)|\/src\/tenancy\//.test(f.url) || (/lru-cache/.test(f.url)) },
  { step: 'settlement (the answer read for the task end)', match: (f) => /\/src\/gateway\/(settlement|stream-task-tap)/.test(f.url) },
  { step: 'audit (entry, hash, chained batch writes)', match: (f) => /\/src\/audit\//.test(f.url) },
  { step: 'answer journal (one write per turn, ADR 0047)', match: (f) => /\/src\/gateway\/answer-journal/.test(f.url) },
  { step: 'quotas and concurrency gate', match: (f) => /\/src\/gateway\/(policy\/quota|proxy\/(admit-steps|concurrency-gate))|rate-limiter-flexible/.test(f.url) },
  { step: 'validation (spec and skill schemas)', match: (f) => /\/src\/gateway\/(policy\/(request-validation|skill-schema-cache)|proxy\/validate-step)|\/node_modules\/ajv/.test(f.url) },
  { step: 'PII policy', match: (f) => /\/src\/gateway\/(policy\/pii|proxy\/pii-step)/.test(f.url) },
  { step: 'metrics', match: (f) => /prom-client|\/src\/gateway\/gateway-metrics|\/src\/observability\/metrics/.test(f.url) },
  { step: 'routing (router, forwarder, headers, relay)', match: (f) => /\/src\/gateway\/routing\//.test(f.url) },
  { step: 'SPOP frames and sockets (bench/gateway/spoe)', match: (f) => /\/bench\/gateway\/spoe\/spop-/.test(f.url) },
  { step: 'SPOE policy agent steps (bench/gateway/spoe)', match: (f) => /\/bench\/gateway\/spoe\/(policy-agent|error-answer)/.test(f.url) },
  { step: 'pipeline (read, classify, authorize, price, answer)', match: (f) => /\/src\/gateway\/(a2a-proxy-route|call-pricing|proxy\/|policy\/a2a-operation)/.test(f.url) },
  { step: 'undici (the upstream request and its answer)', match: (f) => /\/node_modules\/undici\/|node:internal\/deps\/undici/.test(f.url) },
  { step: 'Fastify and the data plane (src/http)', match: (f) => /\/node_modules\/(fastify|find-my-way|light-my-request|avvio)|\/src\/http\//.test(f.url) },
  { step: 'logging and tracing context', match: (f) => /\/node_modules\/(pino|@opentelemetry)|\/src\/observability\//.test(f.url) },
  { step: STORAGE_STEP, match: (f) => /\/src\/storage\/|\/node_modules\/(better-sqlite3|kysely|pg|pg-protocol|postgres|ioredis|@redis)/.test(f.url) },
];

/** Node's own relaying: a sample whose leaf side is here stays here, whoever called it. */
const NODE_CORE = /^node:(_http_|http|net|stream|internal\/(http|stream|streams|net|js_stream|timers|process\/task_queues|async_hooks|async_context)|timers|events|internal\/event_target|buffer)/;
const NODE_STEP = 'Node HTTP, sockets, streams, timers';

function stepOf(stack: CallFrame[]): string {
  // stack[0] is the leaf.
  const leaf = stack[0]!;
  if (leaf.functionName === '(garbage collector)') return 'GC';
  if (leaf.functionName === '(program)') return 'V8 / native (program)';
  let sawNode = false;
  let fallback: string | undefined;
  for (const frame of stack) {
    if (frame.url === '' || frame.url === undefined) continue;
    if (NODE_CORE.test(frame.url)) {
      sawNode = true;
      continue;
    }
    if (sawNode) return NODE_STEP;
    for (const rule of STEPS) {
      if (!rule.match(frame)) continue;
      // A driver's frames go to the step that ran the statement, when one is further up.
      if (rule.step === STORAGE_STEP) {
        fallback ??= STORAGE_STEP;
        break;
      }
      return rule.step;
    }
  }
  return fallback ?? (sawNode ? NODE_STEP : 'other');
}

async function profilesIn(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) files.push(...(await readdir(p)).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)));
    else files.push(p);
  }
  // One process writes one profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile): its main thread's is the largest.
  const byPid = new Map<string, { file: string; size: number }>();
  for (const file of files) {
    const pid = /\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1] ?? file;
    const size = (await stat(file)).size;
    const seen = byPid.get(pid);
    if (seen === undefined || size > seen.size) byPid.set(pid, { file, size });
  }
  return [...byPid.values()].map((v) => v.file);
}

interface Attribution {
  busyUs: number;
  byStep: Map<string, number>;
  bySelf: Map<string, number>;
}

function attribute(profile: CpuProfile, into: Attribution, window: Window): void {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Busy µs per second of the profile, to find its loaded seconds.
  const at: number[] = [];
  const busyPerSecond: number[] = [];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    at.push(t);
    const second = Math.floor(t / 1e6);
    if (byId.get(profile.samples[i]!)!.callFrame.functionName !== '(idle)') busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (profile.timeDeltas[i + 1] ?? 0);
  }
  const counted = busyPerSecond.map((us, second) => second * 1e6 >= window.skipUs && us !== undefined);
  const busiest = Math.max(0, ...busyPerSecond.filter((us, second) => us !== undefined && counted[second]));
  const loaded = (second: number): boolean => counted[second] === true && (busyPerSecond[second] ?? 0) >= busiest * window.busyShare;
  // The turn is the run of consecutive loaded seconds with the most busy time, not counting the one the profile
  // begins with (start-up, apart from the turn by the seconds the other targets ran); its first seconds are its warm-up.
  let turn = { from: 0, to: -1, us: 0 };
  for (let second = 0; second < busyPerSecond.length; second++) {
    if (!loaded(second)) continue;
    let to = second;
    let us = 0;
    while (to < busyPerSecond.length && loaded(to)) us += busyPerSecond[to++] ?? 0;
    // A run that begins with the profile is the process's start-up.
    if (second > 0 && us > turn.us) turn = { from: second, to: to - 1, us };
    second = to;
  }
  const stepOfNode = new Map<number, string>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const second = Math.floor(at[i]! / 1e6);
    if (second < turn.from + window.warmupS || second > turn.to) continue;
    // A sample's time is the delta to the next sample.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') continue;
    let step = stepOfNode.get(id);
    if (step === undefined) {
      const stack: CallFrame[] = [];
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) stack.push(byId.get(n)!.callFrame);
      step = stepOf(stack);
      stepOfNode.set(id, step);
    }
    into.busyUs += us;
    into.byStep.set(step, (into.byStep.get(step) ?? 0) + us);
    const f = leaf.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    into.bySelf.set(name, (into.bySelf.get(name) ?? 0) + us);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'cpu-us-per-call': { type: 'string' }, top: { type: 'string', default: '0' }, 'skip-s': { type: 'string', default: '0' }, 'busy-share': { type: 'string', default: '0.3' }, 'warmup-s': { type: 'string', default: '3' } } });
  const window: Window = { skipUs: Number(values['skip-s']) * 1e6, busyShare: Number(values['busy-share']), warmupS: Number(values['warmup-s']) };
  if (positionals.length === 0) throw new Error('usage: cpu-by-step <profile or directory>... [--cpu-us-per-call N] [--top N]');
  const perCall = values['cpu-us-per-call'] === undefined ? undefined : Number(values['cpu-us-per-call']);
  const files = await profilesIn(positionals);
  const total: Attribution = { busyUs: 0, byStep: new Map(), bySelf: new Map() };
  for (const file of files) attribute(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, total, window);
  const rows = [...total.byStep].sort((a, b) => b[1] - a[1]);
  const out: string[] = [`${files.length} profile(s), ${(total.busyUs / 1e6).toFixed(1)} s busy`, ''];
  out.push(perCall === undefined ? '| step | share |' : '| step | share | µs per call |', perCall === undefined ? '| --- | ---: |' : '| --- | ---: | ---: |');
  for (const [step, us] of rows) {
    const share = us / total.busyUs;
    out.push(`| ${step} | ${(share * 100).toFixed(1)} % |${perCall === undefined ? '' : ` ${(share * perCall).toFixed(1)} |`}`);
  }
  const top = Number(values.top);
  if (top > 0) {
    out.push('', '| function (self time) | share |', '| --- | ---: |');
    for (const [name, us] of [...total.bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`| ${name} | ${((us / total.busyUs) * 100).toFixed(1)} % |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
