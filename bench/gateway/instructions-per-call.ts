/**
 * Instructions per call of a front (the gateway, the bare relay), counted by
 * valgrind's callgrind: `node dist/bench/gateway/instructions-per-call.js`.
 *
 * Why: on this 2-core machine the HTTP bench's CPU µs per call moves by 2×
 * with whatever else runs (the gateway's group commits batch less when it
 * gets less CPU, so its cost per call rises with load). Callgrind counts the
 * instructions a process executes, the same whatever the load: the figure to
 * judge a change of the gateway's per-call code by while other work runs.
 * It is not time (cache misses and system calls are not in it), so quote it
 * beside the HTTP bench, never instead of it. Under valgrind a call is ~50×
 * slower: on a machine busy with other work the gateway's 10 s header
 * deadline can still fire (HTTP 408); run it when the machine is not saturated.
 *
 * How: the registry and the runtime run as in the bench; each front runs
 * under `valgrind --tool=callgrind`. After a warm-up, its counters are zeroed
 * (`callgrind_control -z`), N SendMessage calls are made with C in flight,
 * and its counters dumped (`callgrind_control -d`): the dump's total over N
 * is the figure. Options: `--calls N` (default 1000), `--warmup W` calls first
 * (default 3000), `--concurrency C`
 * (default 8), `--fronts gateway,bare-relay`, `--keep <dir>` to keep the dumps
 * (`callgrind_annotate <dir>/gateway.cg.<pid>.1` names the native and V8-builtin
 * functions; JIT-compiled JavaScript shows as addresses).
 *
 * `--syscalls`: instead of valgrind, each front runs as is and `strace -c -f`
 * is attached for the measured calls only; prints system calls per call by
 * name (all threads: the SQLite checkpointer's too). Counts, like
 * instructions, do not move with the load; the kernel time behind them is
 * what callgrind cannot see.
 *
 * `--cpu`: neither; the front's user and system CPU time (all threads, from
 * `/proc/<pid>/stat`) over the measured calls, µs per call. Moves with the
 * load, as the HTTP bench does; the split shows how much of a call is the
 * kernel's. A gateway's row comes with another: the collections V8 ran over
 * the same calls (Node's `gc` performance entries: scavenges per 1,000 calls,
 * which the load does not move, mark-compacts, the main thread's pauses) and
 * its resident set after them and at its peak.
 *
 * `--database-url <url> --redis-url <url>`: the gateway is measured twice in
 * the same run, on embedded SQLite and then as a fleet replica runs it, its
 * stores in PostgreSQL and its bus in Redis, as the scale bench's
 * gateway-2 setup configures it (`stack-target.ts`, `shared`), with a runtime
 * on the same PostgreSQL and Redis behind it. The PostgreSQL role must be
 * allowed to create a database: the run gets one of its own (and a bus stream
 * of its own), dropped at the end. Beside the instructions (or `--syscalls`,
 * `--cpu`) it prints the statements, transactions and Redis commands the
 * replica sent per call, and with `--idle S` what each gateway costs over S
 * seconds with no call at all (its timers and pollers), per second.
 * `--stores postgres` measures the PostgreSQL + Redis gateway alone.
 * `--fleet-runtime sqlite` puts the replica in front of a runtime on SQLite
 * (as the first gateway's): the replica's own cost, apart from the pace at
 * which a runtime on PostgreSQL answers.
 *
 * `--policies`: the SQLite gateway measured a second time in the same run, with the 20 policies of
 * `bench-policies.ts` written through its admin API in between (docs/policies.md, "What it costs").
 *
 * `--front-node-args="<flags>"` (with `=`: the flags begin with a dash): node flags for the measured fronts' processes
 * only (the gateways, the relay), e.g. `--perf-basic-prof` for `perf` symbols
 * or `--trace-gc`; the registry and runtimes run without them. Split on
 * spaces. `--profile-dir <dir>`: each measured gateway's main thread is
 * profiled (V8's sampling profiler, as `--cpu-prof`) over the measured calls
 * only, not its start-up or warm-up, into `<dir>/<label>.cpuprofile`, for
 * `cpu-by-step.js --whole --calls N`.
 *
 * `--warmup-seconds S`: the warm-up goes on (1,000 calls at a time) until S seconds after the registry started. The
 * registry's first health probe, 10 s in, changes the agent's record and instances: the gateway reads them again and
 * V8 re-optimizes the calls' code for several seconds after (docs/perf-journal/gateway-and-fleet-2026-11-26.md,
 * "The JIT's steady state in a loaded gateway"). With the default 5,000 warm-up calls that falls inside the measured calls; `--warmup-seconds 25`
 * leaves it out.
 *
 * `--jit-trace <dir>` (with `--cpu` or `--syscalls`): V8's `--trace-opt --trace-deopt` turned on in each measured
 * gateway for the measured calls only, into `<dir>/<label>.jit.txt`, and a row of what it holds (compiles by tier,
 * deoptimizations by reason). After the warm-up the JIT should be done: what remains repeats in the steady state.
 *
 * `--registry-change-after S[,S…]` (with `--cpu` or `--syscalls`): S seconds into the measured calls the bench registers
 * one more agent at the registry (the bench agent's card under another name): a `registered` change the gateway
 * follows on its watch and by reading the new agent's instances, as in a fleet whose registry changes. With
 * `--warmup-seconds 25` and `--jit-trace` it shows what one registry change costs the relay's optimized code.
 *
 * `--perf <dir>` (with `--cpu` or `--syscalls`): `perf record -e cpu-clock -g`
 * of each measured gateway over the measured calls, into
 * `<dir>/<label>.perf.data`; with `--front-node-args --perf-basic-prof` its
 * JavaScript is named (`perf report -i … --sort comm,sym`).
 *
 * `--runtime`: the runtime behind them is measured instead (under valgrind,
 * or with `--cpu` or `--syscalls`): its instructions per call called directly, then per call
 * through the gateway (which adds the tenant assertion it verifies), in the
 * same process and run: the load-independent form of the bench's "runtime
 * behind the gateway ÷ direct". With `--by-header`, then the runtime called
 * directly with each group of the headers the gateway adds (its
 * `traceparent`, its `X-Forwarded-*`, its assertion, all of them), captured
 * from a call it forwarded: which of them the difference is made of.
 * With `--cpu --perf <dir> --front-node-args=--perf-basic-prof`, the runtime
 * (not a front) gets the node flags and each phase is recorded into
 * `<dir>/runtime-<label>.perf.data` (`perf-by-step.js … --top 40`): which
 * functions the runtime behind the gateway runs that it does not directly.
 * `--alternate K`: the direct and behind-the-gateway pair measured K times in
 * turn, each row printed as it is measured; the pairs' spread is the run's own
 * (V8 still re-optimizing under valgrind, the host's load for `--cpu`). With
 * `--by-header`, each turn is three: directly, directly with all the headers
 * the gateway adds (its assertion among them), and behind the gateway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createBenchDatabase, type BenchDatabase } from '../scale/service-stats.js';
import type { SharedState } from './stack-target.js';
import { callgrindControl, lastDumpTotal } from './callgrind-control.js';

const STACK = fileURLToPath(new URL('./stack-target.js', import.meta.url));
const ADMIN = 'bench-admin-token-0123456789abcdef';

interface Child {
  child: ChildProcess;
  message: Record<string, string>;
}

/** `strace -c -f` attached to `pid` while `during` runs: system calls per call, by name, most first. */
async function syscallsPerCall(pid: number, calls: number, during: () => Promise<void>): Promise<string> {
  const out = join(tmpdir(), `agentmesh-strace-${pid}-${Date.now()}.txt`);
  const strace = spawn('strace', ['-c', '-f', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // strace says it attached (one line per thread) on stderr before it counts anything.
  await once(strace.stderr!, 'data');
  await during();
  strace.kill('SIGINT');
  await once(strace, 'exit');
  const text = await readFile(out, 'utf8');
  await rm(out, { force: true });
  const rows = text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && /^[0-9.]+$/.test(f[0]!) && /^[0-9]+$/.test(f[3]!) && f.at(-1) !== 'total')
    .map((f) => ({ name: f.at(-1)!, count: Number(f[3]) }))
    .sort((a, b) => b.count - a.count);
  return rows.map((r) => `${r.name} ${(r.count / calls).toFixed(2)}`).join(', ');
}

/** Each thread of `pid` by name (`comm`; the main thread is `main`): user and system CPU ticks so far. */
async function threadTicks(pid: number): Promise<Map<string, [number, number]>> {
  const byName = new Map<string, [number, number]>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th there.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seen = byName.get(name) ?? [0, 0];
    byName.set(name, [seen[0] + Number(fields[11]), seen[1] + Number(fields[12])]);
  }
  return byName;
}

/**
 * User and system CPU time of `pid` (all its threads) while `during` runs, µs per call, then by thread name
 * (the main thread, V8's workers, libuv's pool): what runs on the loop against what runs beside it.
 * A thread that exits during the calls is not in the split.
 */
async function cpuPerCall(pid: number, calls: number, during: () => Promise<void>): Promise<string> {
  const ticks = async (): Promise<[number, number]> => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[11]), Number(fields[12])];
  };
  const threadsBefore = await threadTicks(pid);
  const before = await ticks();
  await during();
  const after = await ticks();
  const threadsAfter = await threadTicks(pid);
  // USER_HZ is 100 on Linux: a tick is 10,000 µs.
  const us = (t: number) => (t * 10_000) / calls;
  const user = us(after[0] - before[0]);
  const system = us(after[1] - before[1]);
  const threads = [...threadsAfter]
    .map(([name, [u, s]]) => ({ name, u: us(u - (threadsBefore.get(name)?.[0] ?? 0)), s: us(s - (threadsBefore.get(name)?.[1] ?? 0)) }))
    .sort((a, b) => b.u + b.s - (a.u + a.s))
    .map((t) => `${t.name} ${(t.u + t.s).toFixed(0)} (${t.u.toFixed(0)} + ${t.s.toFixed(0)})`);
  return `user ${user.toFixed(0)} µs + system ${system.toFixed(0)} µs = ${(user + system).toFixed(0)} µs [by thread, µs: ${threads.join(', ')}]`;
}

async function start(kind: string, start: Record<string, unknown>, valgrindOut?: string, nodeArgs: string[] = []): Promise<Child> {
  const args = valgrindOut === undefined ? [...nodeArgs, STACK] : ['--tool=callgrind', `--callgrind-out-file=${valgrindOut}`, '--dump-instr=no', '--collect-atstart=yes', process.execPath, ...nodeArgs, STACK];
  const child = spawn(valgrindOut === undefined ? process.execPath : 'valgrind', args, { stdio: ['ignore', 'inherit', 'ignore', 'ipc'] });
  child.send({ type: 'start', kind, ...start });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [Record<string, string>];
  if (message['type'] !== 'ready') throw new Error(`${kind} did not start`);
  return { child, message };
}

function payload(i: number): string {
  return JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendMessage', params: { message: { messageId: `instr-${process.pid}-${Date.now()}-${i}`, role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] } } });
}

/** `count` calls, `concurrency` at a time, each on a keep-alive connection; fails on any non-200. */
async function calls(url: string, headers: Record<string, string>, count: number, concurrency: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      let status = 0;
      // Under valgrind on a busy host the gateway can take longer than its 10 s header deadline to read a
      // request (HTTP 408, nothing of the call done): it is sent again, at most a few times, and counted once.
      for (let attempt = 0; attempt < 5 && (attempt === 0 || status === 408); attempt++) status = await send(payload(i));
      if (status !== 200) throw new Error(`a call answered HTTP ${status}`);
    }
  };
  const send = (body: string): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'content-length': Buffer.byteLength(body), ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The statements, transactions and Redis commands a child on shared state has sent so far (zero on SQLite). */
function statsOfChild(child: ChildProcess): Promise<{ pgStatements: number; pgTransactions: number; redisCommands: number }> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string; pgStatements?: number; pgTransactions?: number; redisCommands?: number }) => {
      if (m.type !== 'stats') return;
      child.off('message', onMessage);
      resolve({ pgStatements: m.pgStatements ?? 0, pgTransactions: m.pgTransactions ?? 0, redisCommands: m.redisCommands ?? 0 });
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

/** `perf record` of `pid`'s threads (CPU time, call graphs) while `during` runs, into `out`. */
async function perfRecord(pid: number, out: string, during: () => Promise<void>): Promise<void> {
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '--per-thread', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Listened for from the start: a perf that failed at once (an output it cannot write) has exited before the calls end.
  const exited = once(perf, 'exit') as Promise<[number | null]>;
  // A perf that could not start rejects this; the rejection is read below, after the calls.
  exited.catch(() => undefined);
  let said = '';
  perf.stderr!.on('data', (d: Buffer) => (said += d.toString()));
  // perf prints nothing when it starts counting; a short wait for its attach is the best there is.
  await new Promise((r) => setTimeout(r, 300));
  await during();
  perf.kill('SIGINT');
  const [code] = await exited;
  if (code !== 0 && code !== null) throw new Error(`perf record exited ${code}: ${said}`);
}

/**
 * `--jit-trace`: what V8's trace of the measured calls holds — optimizing compiles started (by tier), OSR ones among them,
 * deoptimizations (by reason, most first). After a long enough warm-up each is work the steady state repeats.
 */
async function jitSummary(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const compiles = new Map<string, number>();
  const reasons = new Map<string, number>();
  let osr = 0;
  let deopts = 0;
  for (const line of text.split('\n')) {
    const compile = /^\[compiling method .*\(target ([A-Z_]+)\)( OSR)?/.exec(line);
    if (compile !== null) {
      compiles.set(compile[1]!, (compiles.get(compile[1]!) ?? 0) + 1);
      if (compile[2] !== undefined) osr++;
      continue;
    }
    const deopt = /^\[bailout \(kind: ([^,]+), reason: ([^)]*)\): begin/.exec(line);
    if (deopt !== null) {
      deopts++;
      const key = `${deopt[1]}: ${deopt[2]}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${[...compiles.values()].reduce((a, b) => a + b, 0)} compiles (${byCount(compiles) || 'none'}; ${osr} OSR), ${deopts} deoptimizations (${byCount(reasons) || 'none'})`;
}

/**
 * `--registry-change-after`: at each of `afterSeconds` from now, one more agent registered at the registry (the bench
 * agent's card under a name of its own). `done()` waits for the last one (a change never lands after the measured calls).
 */
function changeRegistry(registryUrl: string, afterSeconds: number[]): { done: () => Promise<void> } {
  const started = performance.now();
  const all = (async () => {
    const record = (await (await fetch(`${registryUrl}/v1/agents/bench`)).json()) as { card: Record<string, unknown> };
    for (const [i, at] of afterSeconds.entries()) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + at * 1000 - performance.now())));
      const name = `bench-change-${i + 1}`;
      // Renamed, so unsigned: the runtime's signature covers its own card only.
      const { signatures: _signed, ...card } = record.card;
      const answer = await fetch(`${registryUrl}/v1/agents/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ card: { ...card, name } }) });
      if (!answer.ok) throw new Error(`the registry refused the change: HTTP ${answer.status} ${await answer.text()}`);
      await answer.arrayBuffer().catch(() => undefined);
      process.stderr.write(`registry change ${i + 1} (${name}) at ${((performance.now() - started) / 1000).toFixed(1)} s into the measured calls\n`);
    }
  })();
  // Reported when awaited; not an unhandled rejection meanwhile.
  all.catch(() => undefined);
  return { done: () => all };
}

/** Sends `message` to `child` and waits for its reply of type `reply`. */
function ask(child: ChildProcess, message: Record<string, string>, reply: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== reply) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** Sends `message` and resolves with the child's reply of type `reply`. */
function askFor(child: ChildProcess, message: Record<string, string>, reply: string): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== reply) return;
      child.off('message', onMessage);
      resolve(m as Record<string, number>);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** Waits until the gateway serves the card of the bench agent at `via`: it routes to the agent (100 s at most). */
async function untilRoutedTo(via: string): Promise<void> {
  for (let i = 0; ; i++) {
    const card = await fetch(`${via}/.well-known/agent-card.json`);
    await card.arrayBuffer();
    if (card.status === 200) return;
    if (i > 2000) throw new Error('the gateway never routed to the bench agent');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      fronts: { type: 'string', default: 'bare-relay,gateway' },
      keep: { type: 'string' },
      warmup: { type: 'string', default: '3000' },
      syscalls: { type: 'boolean', default: false },
      cpu: { type: 'boolean', default: false },
      runtime: { type: 'boolean', default: false },
      'by-header': { type: 'boolean', default: false },
      'direct-concurrency': { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      idle: { type: 'string', default: '0' },
      stores: { type: 'string', default: 'sqlite,postgres' },
      'front-node-args': { type: 'string', default: '' },
      'fleet-runtime': { type: 'string', default: 'postgres' },
      'profile-dir': { type: 'string' },
      'jit-trace': { type: 'string' },
      'warmup-seconds': { type: 'string', default: '0' },
      'registry-change-after': { type: 'string', default: '' },
      perf: { type: 'string' },
      alternate: { type: 'string', default: '1' },
      policies: { type: 'boolean', default: false },
    },
  });
  // Made here: a profile or perf file written into a folder that is not there failed inside the child,
  // which then never answered, and the run waited on it without a word.
  for (const folder of [values['profile-dir'], values.perf, values['jit-trace']]) if (folder !== undefined) await mkdir(folder, { recursive: true });
  if (values.runtime) return measureRuntime(values);
  const cpu = values.cpu;
  // Either way the front runs without valgrind.
  const syscalls = values.syscalls || cpu;
  const probe = (pid: number, n: number, during: () => Promise<void>) => (cpu ? cpuPerCall(pid, n, during) : syscallsPerCall(pid, n, during));
  const what = cpu ? 'CPU per call' : 'system calls per call';
  // Long enough for V8 to finish optimizing the per-call code: a shorter warm-up counts TurboFan's compile threads.
  const warmup = Number(values.warmup);
  const count = Number(values.calls);
  const concurrency = Number(values.concurrency);
  const idleS = Number(values.idle);
  const fronts = values.fronts.split(',');
  const frontArgs = values['front-node-args'].split(' ').filter(Boolean);
  const profileDir = values['profile-dir'];
  const jitTraceDir = values['jit-trace'];
  const warmupSeconds = Number(values['warmup-seconds']);
  const registryChanges = values['registry-change-after'].split(',').filter(Boolean).map(Number);
  const perfDir = values.perf;
  const databaseUrl = values['database-url'];
  const redisUrl = values['redis-url'];
  if ((databaseUrl === undefined) !== (redisUrl === undefined)) throw new Error('--database-url and --redis-url go together');
  const dir = await mkdtemp(join(tmpdir(), 'agentmesh-instr-'));
  const children: ChildProcess[] = [];
  let database: BenchDatabase | undefined;
  let shared: SharedState | undefined;
  try {
    const registryStarted = performance.now();
    const registry = await start('registry', { dataDir: join(dir, 'registry') });
    children.push(registry.child);
    const registryUrl = registry.message['url']!;
    // The gateway is needed for the runtime's JWKS and for its own row; under valgrind only when measured.
    const measuredGateway = fronts.includes('gateway');
    // `--stores postgres`: only the fleet replica is measured (the SQLite stack still runs, unmeasured, for the relay).
    const measuredSqlite = measuredGateway && (databaseUrl === undefined || values.stores.split(',').includes('sqlite'));
    const gatewayOut = join(dir, 'gateway.cg');
    const gateway = await start('control', { dataDir: join(dir, 'control'), adminToken: ADMIN, registryUrl }, measuredSqlite && !syscalls ? gatewayOut : undefined, measuredSqlite ? frontArgs : []);
    children.push(gateway.child);
    const gatewayUrl = gateway.message['gatewayUrl']!;
    const runtime = await start('runtime', { dataDir: join(dir, 'runtime'), registryUrl, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
    children.push(runtime.child);
    const directUrl = `${runtime.message['url']!}/agents/bench`;
    // Each row as soon as it is measured: a later part failing (a 408 under valgrind) keeps the earlier ones.
    const rows = { push: (row: string) => process.stdout.write(`${row}\n`) };

    if (fronts.includes('bare-relay')) {
      const out = join(dir, 'relay.cg');
      const relay = await start('proxy', { upstream: directUrl }, syscalls ? undefined : out, frontArgs);
      children.push(relay.child);
      const url = relay.message['url']!;
      await calls(url, {}, warmup, concurrency);
      if (syscalls) {
        const counts = await probe(relay.child.pid!, count, () => calls(url, {}, count, concurrency));
        rows.push(`bare relay: ${what} (${count} calls, ${concurrency} in flight): ${counts}`);
      } else {
        await callgrindControl(relay.child.pid!, '-z');
        await calls(url, {}, count, concurrency);
        await callgrindControl(relay.child.pid!, '-d');
        const total = await lastDumpTotal(dir, 'relay.cg');
        rows.push(`bare relay: ${(total / count / 1000).toFixed(0)} k instructions per call (${count} calls, ${concurrency} in flight)`);
      }
    }
    /** The gateway `child` (dumping to `base` under valgrind) measured over `count` calls through `url`. */
    const measureGateway = async (label: string, child: ChildProcess, url: string, base: string, registryStartedAt: number, registryAt: string): Promise<void> => {
      const token = await benchToken(url);
      const via = `${url}/agents/bench`;
      await untilRoutedTo(via);
      const auth = { authorization: `Bearer ${token}` };
      await calls(via, auth, warmup, concurrency);
      // `--warmup-seconds`: more warm-up calls until that long after the registry started (its first health probe
      // changes the agent's record and instances 10 s in: a registry change the gateway re-optimizes after).
      while (performance.now() - registryStartedAt < warmupSeconds * 1000) await calls(via, auth, 1000, concurrency);
      if (idleS > 0) {
        // What the replica spends with no call at all (its timers, pollers, bus reads), per second.
        const idle = () => new Promise<void>((resolve) => setTimeout(resolve, idleS * 1000));
        if (syscalls) rows.push(`gateway (${label}), idle, per second: ${await probe(child.pid!, idleS, idle)}`);
        else {
          await callgrindControl(child.pid!, '-z');
          await idle();
          await callgrindControl(child.pid!, '-d');
          rows.push(`gateway (${label}), idle: ${((await lastDumpTotal(dir, base)) / idleS / 1000).toFixed(0)} k instructions per second`);
        }
      }
      const before = await statsOfChild(child);
      if (profileDir !== undefined) await ask(child, { type: 'profile-start' }, 'profile-started');
      const jitTrace = jitTraceDir === undefined ? undefined : join(jitTraceDir, `${label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.jit.txt`);
      if (jitTrace !== undefined) await ask(child, { type: 'jit-trace-start', file: jitTrace }, 'jit-trace-started');
      if (syscalls) {
        const started = performance.now();
        const changing = registryChanges.length === 0 ? undefined : changeRegistry(registryAt, registryChanges);
        const measured = async () => {
          await calls(via, auth, count, concurrency);
          await changing?.done();
        };
        const perfOut = perfDir === undefined ? undefined : join(perfDir, `${label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.perf.data`);
        // With --cpu, the collections V8 ran over the same calls (Node's `gc` entries, the main thread's pauses).
        if (cpu) await ask(child, { type: 'gc-start' }, 'gc-started');
        const counts = await probe(child.pid!, count, perfOut === undefined ? measured : () => perfRecord(child.pid!, perfOut, measured));
        if (cpu) {
          const gc = await askFor(child, { type: 'gc-stop' }, 'gc-stopped');
          const per1000 = (n: number) => ((n * 1000) / count).toFixed(2);
          rows.push(
            `gateway (${label}): GC in the measured calls: ${gc['scavenges']} scavenges (${per1000(gc['scavenges']!)} per 1000 calls, ${(gc['scavenges']! > 0 ? gc['scavengeMs']! / gc['scavenges']! : 0).toFixed(2)} ms each), ${gc['majors']} mark-compacts; main-thread pauses ${(((gc['scavengeMs']! + gc['majorMs']! + gc['otherMs']!) * 1000) / count).toFixed(1)} µs a call; RSS after ${(gc['rssKb']! / 1024).toFixed(0)} MB, peak ${(gc['peakRssKb']! / 1024).toFixed(0)} MB`,
          );
        }
        if (perfOut !== undefined) rows.push(`gateway (${label}): perf samples of the measured calls in ${perfOut}`);
        // The wall time says how many calls a turn of its loop could serve together: fewer when the runtime behind is slower.
        rows.push(`gateway (${label}): ${what} (${count} calls, ${concurrency} in flight): ${counts}; ${(((performance.now() - started) * 1000) / count).toFixed(0)} µs of wall time per call`);
      } else {
        await callgrindControl(child.pid!, '-z');
        await calls(via, auth, count, concurrency);
        await callgrindControl(child.pid!, '-d');
        const total = await lastDumpTotal(dir, base);
        rows.push(`gateway (${label}): ${(total / count / 1000).toFixed(0)} k instructions per call (${count} calls, ${concurrency} in flight)`);
      }
      if (jitTrace !== undefined) {
        await ask(child, { type: 'jit-trace-stop' }, 'jit-trace-stopped');
        rows.push(`gateway (${label}): JIT in the measured calls: ${await jitSummary(jitTrace)} (trace in ${jitTrace})`);
      }
      if (profileDir !== undefined) {
        const file = join(profileDir, `${label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.cpuprofile`);
        await ask(child, { type: 'profile-stop', file }, 'profile-written');
        rows.push(`gateway (${label}): main thread's profile of the measured calls in ${file}`);
      }
      const after = await statsOfChild(child);
      if (shared !== undefined && label !== 'SQLite') {
        const per = (k: 'pgStatements' | 'pgTransactions' | 'redisCommands') => ((after[k] - before[k]) / count).toFixed(3);
        rows.push(`gateway (${label}): per call ${per('pgStatements')} PostgreSQL statements, ${per('pgTransactions')} transactions, ${per('redisCommands')} Redis commands`);
      }
    };
    if (measuredSqlite) await measureGateway(databaseUrl === undefined ? 'everything on' : 'SQLite', gateway.child, gatewayUrl, 'gateway.cg', registryStarted, registryUrl);
    if (measuredSqlite && values.policies) {
      // `--policies`: the same gateway again with the bench's 20 policies in force (docs/policies.md, "What it costs").
      const { BENCH_POLICIES } = await import('./bench-policies.js');
      for (const { id, ...policy } of BENCH_POLICIES) {
        const res = await fetch(`${gatewayUrl}/v1/policies/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(policy) });
        if (!res.ok) throw new Error(`policy ${id}: HTTP ${res.status} ${await res.text()}`);
      }
      await measureGateway(`${databaseUrl === undefined ? 'everything on' : 'SQLite'}, ${BENCH_POLICIES.length} policies`, gateway.child, gatewayUrl, 'gateway.cg', registryStarted, registryUrl);
    }
    if (databaseUrl !== undefined && redisUrl !== undefined && measuredGateway) {
      // A fleet replica's configuration (scale-bench.ts startFleet) on a database and a bus stream of this run's own.
      const suffix = randomBytes(5).toString('hex');
      database = await createBenchDatabase({ adminUrl: databaseUrl, name: `agentmesh_instr_${suffix}` });
      shared = { databaseUrl: database.url, redisUrl, stream: `agentmesh:bench:instr:${suffix}` };
      // A registry of its own: on the first, the gateway would balance over the SQLite runtime too (another task store).
      const fleetRegistryStarted = performance.now();
      const fleetRegistry = await start('registry', { dataDir: join(dir, 'fleet-registry') });
      children.push(fleetRegistry.child);
      const fleetRegistryUrl = fleetRegistry.message['url']!;
      const fleetOut = join(dir, 'fleet-gateway.cg');
      const fleetGateway = await start('control', { dataDir: join(dir, 'fleet-control'), adminToken: ADMIN, registryUrl: fleetRegistryUrl, shared, keyEncryptionSecret: 'bench-instr-key-encryption-secret-0123456789' }, syscalls ? undefined : fleetOut, frontArgs);
      children.push(fleetGateway.child);
      const fleetUrl = fleetGateway.message['gatewayUrl']!;
      // `--fleet-runtime sqlite`: the replica in front of a runtime on SQLite, as the first gateway is: what the
      // replica itself adds, apart from how a runtime on PostgreSQL paces the answers it gets.
      const runtimeShared = values['fleet-runtime'] === 'sqlite' ? {} : { shared };
      const fleetRuntime = await start('runtime', { dataDir: join(dir, 'fleet-runtime'), registryUrl: fleetRegistryUrl, jwksUrl: `${fleetUrl}/.well-known/jwks.json`, ...runtimeShared });
      children.push(fleetRuntime.child);
      await measureGateway('PostgreSQL + Redis', fleetGateway.child, fleetUrl, 'fleet-gateway.cg', fleetRegistryStarted, fleetRegistryUrl);
    }
  } finally {
    // Asked to stop first (a child profiling its allocations writes the profile then), killed if it does not:
    // a gateway's profile is megabytes of JSON, which a busy host takes more than a few seconds to write.
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode === null && c.connected) c.send({ type: 'stop' });
        await Promise.race([once(c, 'exit'), new Promise((resolve) => setTimeout(resolve, process.env['BENCH_ALLOC_PROFILE_DIR'] || process.env['NODE_OPTIONS']?.includes('--cpu-prof') ? 60_000 : 5_000).unref())]);
        c.kill('SIGKILL');
      }),
    );
    if (shared !== undefined) {
      const redis = new Redis(shared.redisUrl, { maxRetriesPerRequest: 1 });
      redis.on('error', () => undefined);
      await redis.del(shared.stream).catch(() => undefined);
      redis.disconnect();
    }
    await database?.drop().catch((err: unknown) => process.stderr.write(`could not drop database ${database?.name}: ${err instanceof Error ? err.message : String(err)}\n`));
    // --keep <dir>: the dumps are moved there, for callgrind_annotate.
    if (values.keep !== undefined) await rename(dir, values.keep);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** A client of tenant `bench` with credits and a quota that never binds; its bearer token. */
async function benchToken(gatewayUrl: string): Promise<string> {
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const client = await json(`${gatewayUrl}/v1/clients`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'instr', tenant: 'bench', scopes: ['a2a:message:send', 'a2a:tasks:read'], authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute: 10_000_000, burst: 1000 } }),
  });
  if (client.status !== 201) throw new Error(`client creation answered ${client.status}`);
  await json(`${gatewayUrl}/v1/tenants/bench/credits/topups`, { method: 'POST', headers: admin, body: JSON.stringify({ reference: 'instr', milliCredits: 1_000_000_000_000 }) });
  const basic = Buffer.from(`${client.body.client_id}:${client.body.client_secret}`).toString('base64');
  return (await json(`${gatewayUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).body.access_token as string;
}

/** `--runtime`: the runtime's instructions (or CPU) per call, called directly and through the gateway, one process, one run. */
async function measureRuntime(values: { calls: string; concurrency: string; warmup: string; cpu: boolean; syscalls: boolean; keep?: string | undefined; 'by-header': boolean; 'direct-concurrency'?: string | undefined; perf?: string | undefined; 'front-node-args': string; alternate: string }): Promise<void> {
  const count = Number(values.calls);
  const concurrency = Number(values.concurrency);
  const warmup = Number(values.warmup);
  const dir = await mkdtemp(join(tmpdir(), 'agentmesh-instr-'));
  const children: ChildProcess[] = [];
  try {
    const registry = await start('registry', { dataDir: join(dir, 'registry') });
    children.push(registry.child);
    const registryUrl = registry.message['url']!;
    const gateway = await start('control', { dataDir: join(dir, 'control'), adminToken: ADMIN, registryUrl });
    children.push(gateway.child);
    const gatewayUrl = gateway.message['gatewayUrl']!;
    if (values['by-header']) process.env['AGENTMESH_BENCH_CAPTURE_HEADERS'] = '1';
    const valgrind = !values.cpu && !values.syscalls;
    if (valgrind) process.env['AGENTMESH_BENCH_PATIENT'] = '1';
    // With --runtime, `--front-node-args` are the runtime's (the process measured), e.g. `--perf-basic-prof` for `--perf`.
    const runtimeArgs = values['front-node-args'].split(' ').filter(Boolean);
    const runtime = await start('runtime', { dataDir: join(dir, 'runtime'), registryUrl, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` }, valgrind ? join(dir, 'runtime.cg') : undefined, runtimeArgs);
    children.push(runtime.child);
    const pid = runtime.child.pid!;
    const direct = `${runtime.message['url']!}/agents/bench`;
    const via = `${gatewayUrl}/agents/bench`;
    const auth = { authorization: `Bearer ${await benchToken(gatewayUrl)}` };
    await untilRoutedTo(via);
    await calls(direct, {}, warmup, concurrency);
    await calls(via, auth, warmup, concurrency);
    const measure = async (label: string, url: string, headers: Record<string, string>, concurrency = Number(values.concurrency)): Promise<string> => {
      if (values.cpu) {
        const started = performance.now();
        const measured = () => calls(url, headers, count, concurrency);
        // --perf <dir>: each phase's samples in <dir>/runtime-<label>.perf.data, for perf-by-step.js --top.
        const perfOut = values.perf === undefined ? undefined : join(values.perf, `runtime-${label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.perf.data`);
        const cpu = await cpuPerCall(pid, count, perfOut === undefined ? measured : () => perfRecord(pid, perfOut, measured));
        return `runtime, ${label}: ${cpu}; ${(((performance.now() - started) * 1000) / count).toFixed(0)} µs of wall time per call`;
      }
      if (values.syscalls) {
        const started = performance.now();
        const counts = await syscallsPerCall(pid, count, () => calls(url, headers, count, concurrency));
        return `runtime, ${label}: system calls per call: ${counts}; ${(((performance.now() - started) * 1000) / count).toFixed(0)} µs of wall time per call`;
      }
      await callgrindControl(pid, '-z');
      await calls(url, headers, count, concurrency);
      await callgrindControl(pid, '-d');
      return `runtime, ${label}: ${((await lastDumpTotal(dir, 'runtime.cg')) / count / 1000).toFixed(0)} k instructions per call (${count} calls, ${concurrency} in flight)`;
    };
    const rows: string[] = [];
    if (values.cpu || values.syscalls) {
      // What the runtime spends with no call at all (timers, heartbeats): the part of a call's CPU that grows with its wall time.
      const idleMs = 5000;
      const idle = () => new Promise<void>((resolve) => setTimeout(resolve, idleMs));
      rows.push(`runtime, idle, per second: ${values.cpu ? await cpuPerCall(pid, idleMs / 1000, idle) : await syscallsPerCall(pid, idleMs / 1000, idle)}`);
    }
    // The headers the gateway sent with a call it forwarded (`--by-header`), captured anew each time (an assertion expires).
    const captured = async (): Promise<Record<string, string>> => {
      await calls(via, auth, 1, 1);
      runtime.child.send({ type: 'headers' });
      const [reply] = (await once(runtime.child, 'message')) as [{ headers: Record<string, string> }];
      return reply.headers;
    };
    const added = (name: string) => !['host', 'content-length', 'connection', 'content-type', 'a2a-version'].includes(name);
    // `--alternate K`: the pair measured K times in turn, direct first: under valgrind V8 still re-optimizes after the
    // warm-up, and one pair's difference can be smaller than that drift; the pairs' spread says how much to read.
    // With `--by-header`, each turn also calls the runtime directly with all the headers the gateway adds: the
    // headers' share (same callers, same load shape) apart from the rest of what differs behind the gateway.
    const pairs = Math.max(1, Number(values.alternate));
    for (let pair = 1; pair <= pairs; pair++) {
      const suffix = pairs > 1 ? `, pair ${pair}` : '';
      const before = rows.length;
      rows.push(await measure(`called directly${suffix}`, direct, {}));
      if (pairs > 1 && values['by-header']) {
        const headers = Object.fromEntries(Object.entries(await captured()).filter(([name]) => added(name)));
        rows.push(await measure(`called directly with the gateway's headers${suffix}`, direct, headers));
      }
      rows.push(await measure(`behind the gateway (its assertion checked)${suffix}`, via, auth));
      if (pairs > 1) process.stdout.write(`${rows.slice(before).join('\n')}\n`);
    }
    // The runtime called directly with fewer calls in flight: behind the gateway the same callers keep fewer
    // calls inside it (each call spends part of its time in the gateway), so its commits group fewer tasks.
    for (const c of (values['direct-concurrency'] ?? '').split(',').filter(Boolean).map(Number)) {
      rows.push(await measure(`called directly, ${c} in flight`, direct, {}, c));
    }
    if (values['by-header'] && pairs === 1) {
      // The runtime called directly with the headers the gateway adds, one group at a time: which of them costs.
      const all = await captured();
      process.stdout.write(`headers the gateway sends: ${Object.entries(all).map(([k, v]) => `${k} (${String(v).length} B)`).join(', ')}\n`);
      const groups: [string, (name: string) => boolean][] = [
        ['traceparent', (n) => n === 'traceparent' || n === 'tracestate'],
        ['x-forwarded-*', (n) => n.startsWith('x-forwarded-')],
        ['authorization (the assertion)', (n) => n === 'authorization'],
        ['all of them', added],
      ];
      for (const [label, pick] of groups) {
        const headers = Object.fromEntries(Object.entries(await captured()).filter(([name]) => pick(name)));
        rows.push(await measure(`called directly with ${label}`, direct, headers));
      }
    }
    for (const row of rows) process.stdout.write(`${row}\n`);
  } finally {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode === null && c.connected) c.send({ type: 'stop' });
        await Promise.race([once(c, 'exit'), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        c.kill('SIGKILL');
      }),
    );
    if (values.keep !== undefined) await rename(dir, values.keep);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
