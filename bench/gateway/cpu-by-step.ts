/**
 * Where a gateway's CPU goes, by step of the call: reads the V8 CPU profiles
 * a bench child wrote (`--cpu-prof`) and prints each step's share of the busy
 * samples, and its microseconds per call when given the same run's CPU per
 * call. Shares are what to read on a loaded host (absolute figures move with
 * the load; shares move by about a point, docs/perf-journal/gateway-and-fleet-2026-11-26.md,
 * "Where a gateway call's CPU goes, by step").
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
 * `--whole`: every sample counts, for a profile of the measured calls only
 * (`instructions-per-call.js --profile-dir`); with `--calls N`, the main
 * thread's busy µs per call is printed too.
 *
 * Otherwise only the process's loaded turn is counted: the longest run of consecutive
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
import { stepOf, type CallFrame } from './call-steps.js';

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
  /** Every sample counts: a profile of the measured calls only (instructions-per-call `--profile-dir`). */
  whole: boolean;
  skipUs: number;
  busyShare: number;
  warmupS: number;
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
    if (!window.whole && (second < turn.from + window.warmupS || second > turn.to)) continue;
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
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { whole: { type: 'boolean', default: false }, calls: { type: 'string' }, 'cpu-us-per-call': { type: 'string' }, top: { type: 'string', default: '0' }, 'skip-s': { type: 'string', default: '0' }, 'busy-share': { type: 'string', default: '0.3' }, 'warmup-s': { type: 'string', default: '3' } } });
  const window: Window = { whole: values.whole, skipUs: Number(values['skip-s']) * 1e6, busyShare: Number(values['busy-share']), warmupS: Number(values['warmup-s']) };
  if (positionals.length === 0) throw new Error('usage: cpu-by-step <profile or directory>... [--cpu-us-per-call N] [--top N]');
  const perCall = values['cpu-us-per-call'] === undefined ? undefined : Number(values['cpu-us-per-call']);
  const files = await profilesIn(positionals);
  const total: Attribution = { busyUs: 0, byStep: new Map(), bySelf: new Map() };
  for (const file of files) attribute(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, total, window);
  const rows = [...total.byStep].sort((a, b) => b[1] - a[1]);
  // With the calls the profile covers, its busy time per call: the main thread's CPU, apart from the other threads'.
  const calls = values.calls === undefined ? undefined : Number(values.calls);
  const busyPerCall = calls === undefined ? '' : `, ${(total.busyUs / calls).toFixed(1)} µs busy per call`;
  const out: string[] = [`${files.length} profile(s), ${(total.busyUs / 1e6).toFixed(1)} s busy${busyPerCall}`, ''];
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
