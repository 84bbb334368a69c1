/**
 * `npm run bench -- --only inprocess` (ADR 0015 addendum): the
 * gateway and an agent's runtime in one process, as `agentmesh up` runs
 * them, with the gateway reaching the runtime over loopback TCP, then in
 * memory (InProcessServers). One process, so one CPU figure per call covers
 * the gateway and the runtime together; the ratio in memory ÷ loopback is
 * what the design saves. Each mode has its own registry and process, both
 * alive through the run; each round starts with the other mode.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completes, load } from './gateway-bench.js';
import { cpuOf, provisionBenchClient, startStackChild } from './stack-process.js';

type Log = (line: string) => void;
type Mode = 'loopback' | 'memory';

const ADMIN = 'bench-admin-token-0123456789abcdef';

/** One mode's figures, medians of the rounds. */
export interface InProcessRow {
  mode: Mode;
  requestsPerSec: number;
  cpuMicrosPerCall: number;
  failures: number;
}

export interface InProcessBenchReport {
  rows: InProcessRow[];
  /** CPU per call in memory ÷ over loopback (below 1: in memory is cheaper). */
  cpuRatio: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runInProcessBench({ durationS, warmupS, connections, rounds, log }: { durationS: number; warmupS: number; connections: number; rounds: number; log: Log }): Promise<InProcessBenchReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-inprocess-'));
  const children: ChildProcess[] = [];
  try {
    const targets: Array<{ mode: Mode; url: string; child: ChildProcess; token: () => Promise<string> }> = [];
    for (const mode of ['loopback', 'memory'] as const) {
      const registry = await startStackChild({ kind: 'registry', dataDir: join(dataDir, mode, 'registry') });
      children.push(registry.child);
      const together = await startStackChild({ kind: 'together', dataDir: join(dataDir, mode), adminToken: ADMIN, registryUrl: registry.message['url']!, inProcess: mode === 'memory' });
      children.push(together.child);
      const url = `${together.message['gatewayUrl']!}/agents/${together.message['agent']!}`;
      const token = await provisionBenchClient({ gatewayUrl: together.message['gatewayUrl']!, adminToken: ADMIN });
      for (let i = 0; (await fetch(`${url}/.well-known/agent-card.json`)).status !== 200; i++) {
        if (i > 200) throw new Error(`the ${mode} gateway never routed to its runtime`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const problem = await completes(url, { authorization: `Bearer ${await token()}` });
      if (problem !== undefined) throw new Error(`${mode}: ${problem}`);
      targets.push({ mode, url, child: together.child, token });
    }
    const seen: Record<Mode, { rps: number[]; cpu: number[]; failures: number }> = { loopback: { rps: [], cpu: [], failures: 0 }, memory: { rps: [], cpu: [], failures: 0 } };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const { mode, url, child, token } of order) {
        log(`inprocess${rounds > 1 ? ` round ${round} of ${rounds}` : ''}: gateway + runtime in one process, ${mode}: warm-up ${warmupS} s, then ${durationS} s at ${connections} connections…`);
        const headers = { authorization: `Bearer ${await token()}` };
        if (warmupS > 0) await load(url, headers, connections, warmupS);
        const before = await cpuOf(child);
        const result = await load(url, headers, connections, durationS);
        const cpu = ((await cpuOf(child)) - before) / Math.max(1, result.requests.total);
        seen[mode].rps.push(result.requests.average);
        seen[mode].cpu.push(cpu);
        seen[mode].failures += result.errors + result.non2xx;
        log(`  ${mode}: ${result.requests.average.toFixed(0)} req/s, CPU µs/call (gateway + runtime) ${cpu.toFixed(0)}${result.errors + result.non2xx > 0 ? `; ${result.errors} errors, ${result.non2xx} non-2xx` : ''}`);
      }
    }
    const rows = (['loopback', 'memory'] as const).map((mode) => ({ mode, requestsPerSec: median(seen[mode].rps), cpuMicrosPerCall: median(seen[mode].cpu), failures: seen[mode].failures }));
    return { rows, cpuRatio: rows[1]!.cpuMicrosPerCall / rows[0]!.cpuMicrosPerCall };
  } finally {
    for (const child of children) child.kill(process.env['BENCH_GATEWAY_NODE_OPTIONS'] || process.env['BENCH_GATEWAY_ONLY_NODE_OPTIONS'] ? 'SIGINT' : 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatInProcessBench(report: InProcessBenchReport): string[] {
  return [
    'SendMessage through a gateway whose agent runs in the same process (agentmesh up): over loopback TCP, then in memory',
    '(InProcessServers, ADR 0015). CPU µs per call of the one process: gateway and runtime together.',
    '  mode        req/s  CPU µs/call  failures',
    ...report.rows.map((r) => `  ${r.mode.padEnd(10)} ${r.requestsPerSec.toFixed(0).padStart(6)}  ${r.cpuMicrosPerCall.toFixed(0).padStart(11)}  ${String(r.failures).padStart(8)}`),
    `  in memory ÷ loopback, CPU per call: ${report.cpuRatio.toFixed(2)}×`,
  ];
}

export function inProcessBenchFailed(report: InProcessBenchReport): boolean {
  return report.rows.some((r) => r.failures > 0);
}
