/**
 * The memory run: a fixed number of SendMessage calls (default 200,000) to
 * agentmesh and to the sdk anchor, each in a fresh process, with the RSS of
 * the target sampled after a forced GC before and after. Every call creates
 * a task, so this shows what a server keeps per task.
 */
import type { BenchOptions } from './bench-options.js';
import { isCleanRun, runLoad } from './load.js';
import { megabytes } from './report.js';
import type { Log, MemoryReport, MemoryRow } from './report.js';
import { TARGETS, withTarget } from './target-process.js';
import type { TargetId } from './target-process.js';
import { verifySendMessage } from './verify-target.js';

const PROGRESS_EVERY_MS = 5_000;

async function memoryRow({ id, options, dataRoot, log }: { id: TargetId; options: Readonly<BenchOptions>; dataRoot: string; log: Log }): Promise<MemoryRow> {
  const { name } = TARGETS[id];
  const row: MemoryRow = { target: id, name };
  const tasks = options.memoryTasks;
  try {
    await withTarget({ id, scenario: 'sendmessage', dataRoot }, async (target) => {
      await verifySendMessage({ url: target.url });
      row.before = await target.sampleMemory();
      log(`  ${name}: RSS before ${megabytes(row.before.rssBytes)}; sending ${tasks} SendMessage calls at ${options.connections} connections…`);
      const started = Date.now();
      row.load = await runLoad({
        url: target.url,
        scenario: 'sendmessage',
        connections: options.connections,
        amount: tasks,
        progressEveryMs: PROGRESS_EVERY_MS,
        onProgress: (completed) => {
          const seconds = (Date.now() - started) / 1000;
          log(`  ${name}: ${completed}/${tasks} done after ${seconds.toFixed(0)} s (${(completed / seconds).toFixed(0)} req/s)`);
        },
      });
      row.after = await target.sampleMemory();
      if (!isCleanRun(row.load)) {
        const { load } = row;
        row.failure = `${load.errors} errors (${load.timeouts} timeouts), ${load.non2xx} non-2xx, ${load.mismatches} bad bodies: not a result`;
      }
      log(`  ${name}: RSS after ${megabytes(row.after.rssBytes)}, peak ${megabytes(row.after.peakRssBytes)} (heap ${megabytes(row.after.heapUsedBytes)})`);
    });
  } catch (err) {
    row.failure = err instanceof Error ? err.message : String(err);
    log(`  ${name}: FAILED: ${row.failure}`);
  }
  return row;
}

/** Runs the memory part for agentmesh (c) and the sdk (b), whichever are selected. */
export async function runMemory({ options, dataRoot, log }: { options: Readonly<BenchOptions>; dataRoot: string; log: Log }): Promise<MemoryReport> {
  log(`Memory (${options.memoryTasks} SendMessage calls per target):`);
  const rows: MemoryRow[] = [];
  for (const id of (['c', 'b'] as const).filter((target) => options.targets.includes(target))) {
    rows.push(await memoryRow({ id, options, dataRoot, log }));
  }
  return { tasks: options.memoryTasks, rows };
}
