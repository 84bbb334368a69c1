/**
 * What a front adds to a call made one at a time, and what that call waits
 * on: `node dist/bench/gateway/lone-call.js`.
 *
 * Why: the HTTP bench (`--only gateway`) measures the one-at-a-time p50 once
 * per target, after ten seconds of load at 50 connections, a minute apart;
 * on a shared host the load drifts between targets. Here the registry, the
 * runtime, the bare node:http + undici relay and the gateway run as in the
 * bench, and the targets take turns in short blocks (`--block` calls each,
 * `--rounds` times), so each front's p50 is read against the direct call of
 * the same minutes; nothing is under load.
 *
 * `--timeline`: each child loads `call-timeline-preload.js`; after the
 * rounds, each reports per step of a call the median gap and the median
 * time its event loop sat idle within that gap (a gap with idle time is a
 * wait: the peer, a timer, a turn; one without is CPU).
 *
 * `--in-process`: `agentmesh up`'s shape instead, the gateway and the
 * runtime in one process (`stack-target.ts`, kind `together`), twice: the
 * gateway reaching the runtime over loopback TCP, and in memory
 * (InProcessServers, ADR 0015); the direct calls go to the first one's
 * runtime over TCP. What the hop itself costs a lone call.
 *
 * Options: `--rounds R` (default 5), `--block N` calls per target per round
 * (default 400), `--warmup W` calls per target first (default 2000).
 * `BENCH_GATEWAY_ANSWER_DURABILITY=commit` runs the gateway with ADR 0035's
 * awaited commits instead of the answer journal.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { provisionBenchClient, startStackChild } from './stack-process.js';
import { timedPost } from '../timed-post.js';

const ADMIN = 'bench-admin-token-0123456789abcdef';
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    block: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '2000' },
    timeline: { type: 'boolean', default: false },
    'in-process': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const block = Number(values.block);
const warmup = Number(values.warmup);

function payload(i: number): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: `lone-${process.pid}-${i}`, role: 'ROLE_USER', parts: [{ text: 'score lead 42' }] } } });
}

let sent = 0;

/** `count` calls one at a time on one keep-alive connection: each call's time, ms. */
async function calls(url: string, headers: Record<string, string>, count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const body = payload(sent++);
    const { status, ms } = await timedPost(agent, target, body, { 'a2a-version': '1.0', ...headers });
    times.push(ms);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
  }
  agent.destroy();
  return times;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

type Target = { name: string; url: string; headers: Record<string, string> };
type Built = { targets: Target[]; traced: Array<readonly [string, ChildProcess]> };

/** Waits until the gateway routes to `agentUrl`'s agent. */
async function routed(agentUrl: string): Promise<void> {
  for (let i = 0; (await fetch(`${agentUrl}/.well-known/agent-card.json`)).status !== 200; i++) {
    if (i > 200) throw new Error(`the gateway never routed to ${agentUrl}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gateway bench's processes: registry, gateway, runtime and bare relay, each its own. */
async function separateTargets(dataDir: string, children: ChildProcess[]): Promise<Built> {
  const registry = await startStackChild({ kind: 'registry', dataDir: join(dataDir, 'registry') });
  children.push(registry.child);
  const registryUrl = registry.message['url']!;
  const control = await startStackChild({ kind: 'control', dataDir: join(dataDir, 'control'), adminToken: ADMIN, registryUrl });
  children.push(control.child);
  const gatewayUrl = control.message['gatewayUrl']!;
  const runtime = await startStackChild({ kind: 'runtime', dataDir: join(dataDir, 'runtime'), registryUrl, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
  children.push(runtime.child);
  const directUrl = `${runtime.message['url']!}/agents/bench`;
  const proxy = await startStackChild({ kind: 'proxy', upstream: directUrl });
  children.push(proxy.child);
  const token = await (await provisionBenchClient({ gatewayUrl, adminToken: ADMIN }))();
  const viaGateway = `${gatewayUrl}/agents/bench`;
  await routed(viaGateway);
  return {
    targets: [
      { name: 'direct', url: directUrl, headers: {} },
      { name: 'bare-relay', url: proxy.message['url']!, headers: {} },
      { name: 'gateway', url: viaGateway, headers: { authorization: `Bearer ${token}` } },
    ],
    traced: [['runtime', runtime.child], ['bare-relay', proxy.child], ['gateway', control.child]],
  };
}

/** `agentmesh up`'s shape, twice: gateway and runtime in one process, over loopback TCP and in memory. */
async function inProcessTargets(dataDir: string, children: ChildProcess[]): Promise<Built> {
  const targets: Target[] = [];
  const traced: Array<readonly [string, ChildProcess]> = [];
  for (const mode of ['loopback', 'memory'] as const) {
    const registry = await startStackChild({ kind: 'registry', dataDir: join(dataDir, mode, 'registry') });
    children.push(registry.child);
    const together = await startStackChild({ kind: 'together', dataDir: join(dataDir, mode), adminToken: ADMIN, registryUrl: registry.message['url']!, inProcess: mode === 'memory', directCalls: true });
    children.push(together.child);
    const gatewayUrl = together.message['gatewayUrl']!;
    const agent = together.message['agent']!;
    const token = await (await provisionBenchClient({ gatewayUrl, adminToken: ADMIN }))();
    const viaGateway = `${gatewayUrl}/agents/${agent}`;
    await routed(viaGateway);
    if (mode === 'loopback') targets.push({ name: 'direct', url: `${together.message['runtimeUrl']!}/agents/${agent}`, headers: {} });
    targets.push({ name: `gateway-${mode}`, url: viaGateway, headers: { authorization: `Bearer ${token}` } });
    traced.push([`together-${mode}`, together.child]);
  }
  return { targets, traced };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-lone-call-'));
  const children: ChildProcess[] = [];
  if (values.timeline) {
    process.env['BENCH_TIMELINE_DIR'] = dataDir;
    process.env['BENCH_GATEWAY_NODE_OPTIONS'] = `${process.env['BENCH_GATEWAY_NODE_OPTIONS'] ?? ''} --import=${fileURLToPath(new URL('./call-timeline-preload.js', import.meta.url))}`;
  }
  try {
    const built = values['in-process'] ? await inProcessTargets(dataDir, children) : await separateTargets(dataDir, children);
    const { targets, traced } = built;
    for (const t of targets) await calls(t.url, t.headers, warmup);
    const load = [loadavg()[0]!];
    const p50s = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) p50s.get(t.name)!.push(median(await calls(t.url, t.headers, block)));
    }
    load.push(loadavg()[0]!);
    const direct = p50s.get('direct')!;
    process.stdout.write(`one at a time, ${rounds} rounds of ${block} calls per target after ${warmup} each; load ${load.map((l) => l.toFixed(1)).join(' → ')}\n`);
    for (const t of targets) {
      const mine = p50s.get(t.name)!;
      const added = mine.map((p, i) => p - direct[i]!);
      process.stdout.write(`  ${t.name.padEnd(16)} p50 ${median(mine).toFixed(3)} ms (rounds ${mine.map((p) => p.toFixed(3)).join(' ')})${t.name === 'direct' ? '' : `; added ${median(added).toFixed(3)} ms (rounds ${added.map((a) => a.toFixed(3)).join(' ')})`}\n`);
    }
    if (values.timeline) {
      for (const t of targets.slice(1)) {
        // Each front's calls alone, so the runtime's steps are those of the calls that front sent.
        for (const [, c] of traced) c.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 300));
        await calls(t.url, t.headers, block);
        for (const [, c] of traced) c.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 500));
        for (const [name, c] of traced) {
          const trace = JSON.parse(await readFile(join(dataDir, `${c.pid}.json`), 'utf8')) as { calls: number; steps: Array<{ step: string; count: number; gapMs: number; idleMs: number; cpuMs: number }> };
          if (trace.calls === 0) continue;
          process.stdout.write(`via ${t.name}, seen by ${name}: ${trace.calls} calls (median gap ms, of which the loop idle; median CPU ms of the process in it)\n`);
          for (const s of trace.steps) process.stdout.write(`  ${s.step.padEnd(58)} ${s.gapMs.toFixed(3).padStart(7)} ${s.idleMs.toFixed(3).padStart(7)} ${s.cpuMs.toFixed(3).padStart(7)}  (${s.count})\n`);
        }
      }
    }
  } finally {
    // SIGINT lets a profiled child (BENCH_GATEWAY_ONLY_NODE_OPTIONS="--cpu-prof …") write its profile.
    const profiled = (process.env['BENCH_GATEWAY_ONLY_NODE_OPTIONS'] ?? '') !== '';
    await Promise.all(
      children.map(async (child) => {
        if (profiled && child.exitCode === null) {
          child.kill('SIGINT');
          await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 30_000).unref())]);
        }
        child.kill('SIGKILL');
      }),
    );
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
