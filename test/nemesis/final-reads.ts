/**
 * The final read phase (docs/reliability.md, "Method"): after the last heal, every task is read until
 * it is terminal (it must be within the deadline), then each task's whole event log is read from the
 * database and recorded as a `log` operation, internal entries included, for the checker to hold
 * every stream and acknowledged answer against.
 */
import { createHash } from 'node:crypto';
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import { createDatabase, createRuntimeStores, type Database } from '../../src/storage/index.js';
import { a2aCall, taskOf } from './a2a-call.js';
import { read, type ProcessNumbers, type Targets } from './task-workload.js';

const TERMINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The hash the history's events carry: of the stored payload's bytes, which a v1 stream's `data:` repeats as they are. */
export function eventHash(payload: string): string {
  return createHash('sha256').update(payload).digest('hex').slice(0, 16);
}

/** The state an event leaves its task in, when it carries one (a `task` or `status` event). */
export function eventState(kind: string, payload: string): string | undefined {
  if (kind !== 'task' && kind !== 'status') return undefined;
  const parsed: unknown = JSON.parse(payload);
  const body = typeof parsed === 'object' && parsed !== null ? (Object.values(parsed)[0] as { status?: { state?: unknown } } | undefined) : undefined;
  const state = body?.status?.state;
  return typeof state === 'string' ? state : undefined;
}

/** Every task id in the fleet's database, those created by a send that ended `info` included. */
export async function allTaskIds(database: Database): Promise<string[]> {
  const rows = await database.db.selectFrom('tasks').select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}

/**
 * Waits, reading the database, until each task is terminal or `deadline` passes; resolves with those
 * still not terminal. For the tasks no client knows (a send that ended `info` created them): a read
 * recorded in the history would be the first operation the checker sees of a task that exists, and
 * no order of its operations could explain it.
 */
export async function waitUntilTerminalInDatabase(database: Database, taskIds: readonly string[], deadline: number): Promise<string[]> {
  const { tasks } = createRuntimeStores(database);
  let pending = [...taskIds];
  for (;;) {
    const still: string[] = [];
    for (const id of pending) {
      const row = await tasks.get(id);
      if (!row || !TERMINAL.has(row.state)) still.push(id);
    }
    pending = still;
    if (pending.length === 0 || Date.now() > deadline) return pending;
    await sleep(250);
  }
}

/**
 * Reads each task through the fleet until it is terminal or `deadline` (ms since the epoch) passes;
 * resolves with the tasks still not terminal then.
 */
export async function readUntilTerminal(options: { recorder: HistoryRecorder; targets: Targets; processes: ProcessNumbers; taskIds: readonly string[]; deadline: number; timeoutMs: number }): Promise<string[]> {
  const { recorder } = options;
  const process = options.processes.next();
  let pending = [...options.taskIds];
  let turn = 0;
  for (;;) {
    const still: string[] = [];
    for (const id of pending) {
      const live = options.targets.live();
      const node = live[turn++ % Math.max(live.length, 1)];
      if (!node) {
        still.push(id);
        continue;
      }
      const op = recorder.invoke(process, F.get, id, null, node.name);
      const outcome = await a2aCall(node.url, 'GetTask', { id }, options.timeoutMs);
      await read(recorder, op, outcome);
      const task = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
      if (!task || !TERMINAL.has(task.state)) still.push(id);
    }
    pending = still;
    if (pending.length === 0 || Date.now() > options.deadline) return pending;
    await sleep(250);
  }
}

/** Records each task's whole log as the database holds it. */
export async function readLogs(options: { recorder: HistoryRecorder; processes: ProcessNumbers; database: Database; taskIds: readonly string[] }): Promise<void> {
  const { tasks } = createRuntimeStores(options.database);
  const process = options.processes.next();
  for (const id of options.taskIds) {
    const op = options.recorder.invoke(process, F.log, id, null);
    const events = await tasks.events(id, 0, 100_000);
    options.recorder.ok(op, {
      events: events.map((e) => {
        const state = eventState(e.kind, e.payload);
        return { seq: e.seq, kind: e.kind, ...(state === undefined ? {} : { state }), hash: eventHash(e.payload) };
      }),
    });
  }
}

/** The fleet's database, opened by the test process for the final reads. */
export function openForReads(url: string): Promise<Database> {
  return createDatabase({ url, poolSize: 1 });
}
