/**
 * The store part of `npm run bench` (`--only store`): what the durable write
 * of one SendMessage costs the embedded SQLite store, without HTTP, next to
 * two anchors measured in the same run (store-process.ts says what each
 * does). The HTTP scenarios move 10–20% between runs on a shared 2-core
 * machine, which hides a change of a few microseconds; this part runs every
 * target in a fresh process, three rounds alternating, and keeps each
 * target's fastest round (other load only ever slows a round down).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreRunRequest, StoreRunResult, StoreTarget } from './store-process.js';

type Log = (line: string) => void;

const TARGETS: readonly StoreTarget[] = ['bare', 'bare-random-index', 'store'];
const ROUNDS = 3;
/** Writes committed together: about what 50 connections put in one group commit. */
const BATCH = 50;

/** What the store part measured: each target's fastest round. */
export interface StoreBenchReport {
  tasks: number;
  batch: number;
  rounds: number;
  rows: StoreRunResult[];
}

async function measure(request: StoreRunRequest): Promise<StoreRunResult> {
  const child = fork(fileURLToPath(new URL('./store-process.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send(request);
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'error', message: 'the store bench process exited early' }])])) as [
    { type: 'result'; result: StoreRunResult } | { type: 'error'; message: string },
  ];
  // An early exit already fired: waiting for another would hang.
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  if (message.type === 'error') throw new Error(`store bench, ${request.target}: ${message.message}`);
  return message.result;
}

export async function runStoreBench(options: { tasks: number; dataRoot: string; log: Log }): Promise<StoreBenchReport> {
  const { tasks, log } = options;
  log(`store: ${tasks} task writes per target in batches of ${BATCH}, ${ROUNDS} rounds, fastest round kept`);
  const best = new Map<StoreTarget, StoreRunResult>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of TARGETS) {
      const dataDir = await mkdtemp(join(options.dataRoot, `store-${target}-`));
      try {
        const result = await measure({ target, dataDir, tasks, batch: BATCH });
        log(`  round ${round}, ${target}: ${result.cpuUsPerTask.toFixed(1)} µs CPU, ${result.wallUsPerTask.toFixed(1)} µs wall per task`);
        const previous = best.get(target);
        if (!previous || result.cpuUsPerTask < previous.cpuUsPerTask) best.set(target, result);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  }
  return { tasks, batch: BATCH, rounds: ROUNDS, rows: TARGETS.map((t) => best.get(t)!) };
}

export function formatStoreBench(report: StoreBenchReport): string[] {
  const bare = report.rows.find((r) => r.target === 'bare')!;
  const lines = [
    `== Store: one SendMessage's durable write (${report.tasks} tasks, batches of ${report.batch}, fastest of ${report.rounds} rounds) ==`,
    `${'target'.padEnd(20)}${'CPU µs/task'.padStart(13)}${'wall µs/task'.padStart(14)}${'CPU vs bare'.padStart(13)}`,
  ];
  for (const row of report.rows) {
    lines.push(`${row.target.padEnd(20)}${row.cpuUsPerTask.toFixed(1).padStart(13)}${row.wallUsPerTask.toFixed(1).padStart(14)}${`${(row.cpuUsPerTask / bare.cpuUsPerTask).toFixed(2)}x`.padStart(13)}`);
  }
  const indexed = report.rows.find((r) => r.target === 'bare-random-index')!;
  lines.push(`a random-key index adds ${(indexed.cpuUsPerTask - bare.cpuUsPerTask).toFixed(1)} µs per task to the bare write (CPU, all threads)`);
  return lines;
}
