/**
 * The `cli` part of `npm run bench`: CPU a fresh `agentmesh`
 * process spends, from exec to exit, for `--help`, `send --help` and a real
 * `send` to a live agent, next to its anchor, a bare `node -e 0`, in the
 * same run. Each child reports its own `process.cpuUsage()` at exit through
 * a preloaded hook (microseconds, which /proc's 10 ms ticks cannot give).
 * `send` also runs as it would without the code cache and without the
 * bundle (ADR 0016), so one run shows what each of them saves. The code
 * cache lives in a folder of the run's own, written by the warm-up run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, defineAgent } from '../../src/runtime/index.js';
import type { Log } from '../report.js';

/** Compiled to dist/bench/cli/, so the built CLI is at dist/src/cli/bin.js. */
const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

// Writes "user system" (µs) to fd 3 as the process exits, however it exits.
const REPORT_CPU = `data:text/javascript,${encodeURIComponent('import { writeSync } from "node:fs"; process.on("exit", () => { const u = process.cpuUsage(); try { writeSync(3, u.user + " " + u.system); } catch {} });')}`;

/** CPU ms of one run of `node [args]`, from its own report. */
async function cpuOfRun(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(process.execPath, ['--import', REPORT_CPU, ...args], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env });
  let report = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => {
    report += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => resolve());
  });
  const [user, system] = report.split(' ').map(Number);
  if (user === undefined || system === undefined || !Number.isFinite(user + system)) throw new Error(`node ${args.join(' ')} reported no CPU time`);
  return (user + system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export interface CliBenchRow {
  command: string;
  medianCpuMs: number;
  /** medianCpuMs ÷ the anchor's. */
  overNode: number;
}

export interface CliBenchReport {
  runs: number;
  anchorCpuMs: number;
  rows: CliBenchRow[];
}

const echo = defineAgent({
  card: { name: 'echo', description: 'Answers what it is sent' },
  skills: { echo: { description: 'Echoes the text', handler: (text: string) => text } },
});

/** Runs each command `runs` times, interleaved with the anchor so drifting load hits all alike. */
export async function runCliBench({ runs, log }: { runs: number; log: Log }): Promise<CliBenchReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-cli-bench-'));
  const runtime = await createRuntime({ agents: [echo], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' } });
  try {
    const { url } = await runtime.listen();
    const env = { ...process.env, AGENTMESH_CACHE_DIR: join(dataDir, 'cli-cache') };
    const commands: Array<{ command: string; args: string[]; env: NodeJS.ProcessEnv }> = [
      { command: 'agentmesh --help', args: [BIN, '--help'], env },
      { command: 'agentmesh send --help', args: [BIN, 'send', '--help'], env },
      { command: 'agentmesh send <url> hi', args: [BIN, 'send', url, 'hi'], env },
      { command: '  without the code cache', args: [BIN, 'send', url, 'hi'], env: { ...env, AGENTMESH_CODE_CACHE: '0' } },
      { command: '  ES modules, no bundle', args: [BIN, 'send', url, 'hi'], env: { ...env, AGENTMESH_CLI_BUNDLE: '0' } },
    ];
    const anchor: number[] = [];
    const samples = commands.map(() => [] as number[]);
    log(`cli: ${runs} runs of each command and of the anchor (node -e 0)`);
    // One warm-up of each: the first exec reads the files from disk.
    for (const c of commands) await cpuOfRun(c.args, c.env);
    for (let i = 0; i < runs; i++) {
      anchor.push(await cpuOfRun(['-e', '0']));
      for (const [j, c] of commands.entries()) samples[j]!.push(await cpuOfRun(c.args, c.env));
    }
    const anchorCpuMs = median(anchor);
    return {
      runs,
      anchorCpuMs,
      rows: commands.map((c, j) => {
        const medianCpuMs = median(samples[j]!);
        return { command: c.command, medianCpuMs, overNode: medianCpuMs / anchorCpuMs };
      }),
    };
  } finally {
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatCliBench(report: CliBenchReport): string[] {
  return [
    `CLI start: CPU ms from exec to exit, median of ${report.runs} runs (target: ≤ 150 ms for --help and send)`,
    `  ${'command'.padEnd(26)} ${'CPU ms'.padStart(8)} ${'÷ node'.padStart(8)}`,
    `  ${'node -e 0 (anchor)'.padEnd(26)} ${report.anchorCpuMs.toFixed(1).padStart(8)} ${'1.00'.padStart(8)}`,
    ...report.rows.map((r) => `  ${r.command.padEnd(26)} ${r.medianCpuMs.toFixed(1).padStart(8)} ${r.overNode.toFixed(2).padStart(8)}`),
  ];
}
