/**
 * The final read phase (docs/reliability.md, "Method"): after the last heal, every task is read until
 * it is terminal (it must be within the deadline), then each task's whole event log is read from the
 * database and recorded as a `log` operation, internal entries included, for the checker to hold
 * every stream and acknowledged answer against.
 */
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import { createRuntimeStores, type Database } from '../../src/storage/index.js';
import { a2aCall, taskOf } from './a2a-call.js';
import { readLedger } from './ledger-agent.js';
import { frameEvent } from './task-streams.js';
import { read, type ProcessNumbers, type Targets } from './task-workload.js';

const TERMINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every task id in the fleet's database, those created by a send that ended `info` included. */
export async function allTaskIds(database: Database): Promise<string[]> {
  const rows = await database.db.selectFrom('tasks').select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}

/**
 * Waits, reading the database, until each task is terminal or `deadline` passes; resolves with those
 * still not terminal. For the tasks no client knows (a send that ended `info` created them): a read
 * recorded in the history would be the first operation the checker sees of a task that exists, and
 * no order of its operations could explain it. Such a task may be asking (a workflow run whose step
 * asks, which no client follows any more: its send went unanswered, or its client gave up at the
 * deadline): `answer` is handed each one found input-required, with its stored snapshot (the
 * question is its status message), to answer as its client would have, at most once a second per
 * task, one at a time per task. The answers go out beside the scan, as many runs' clients would answer
 * at once: awaited one after another, a final phase with dozens of runs asking twice each spent its
 * window on the round trips and left runs asking their second question (docs/reliability.md).
 */
export async function waitUntilTerminalInDatabase(database: Database, taskIds: readonly string[], deadline: number, answer?: (task: { id: string; agent: string; snapshot: Record<string, unknown> }) => Promise<void>): Promise<string[]> {
  // When each task's last answer ended, and the answers still on their way: like the workload's clients, one
  // answer at a time per task, the next no sooner than a second after the last one ended.
  const answered = new Map<string, number>();
  const answering = new Map<string, Promise<void>>();
  const failures: unknown[] = [];
  let pending = [...taskIds];
  for (;;) {
    const still: string[] = [];
    for (let i = 0; i < pending.length; i += STATE_READ_BATCH) {
      const batch = pending.slice(i, i + STATE_READ_BATCH);
      const rows = await database.db.selectFrom('tasks').select(['id', 'agent', 'state', 'snapshot']).where('id', 'in', batch).execute();
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const id of batch) {
        const row = byId.get(id);
        if (!row || !TERMINAL.has(row.state)) still.push(id);
        if (row?.state !== 'TASK_STATE_INPUT_REQUIRED' || answer === undefined || answering.has(id) || Date.now() - (answered.get(id) ?? 0) < 1_000) continue;
        const sending = answer({ id, agent: row.agent, snapshot: JSON.parse(row.snapshot) as Record<string, unknown> })
          .catch((err: unknown) => void failures.push(err))
          .finally(() => {
            answering.delete(id);
            answered.set(id, Date.now());
          });
        answering.set(id, sending);
      }
    }
    pending = still;
    if (pending.length === 0 || Date.now() > deadline || failures.length > 0) {
      await Promise.all(answering.values());
      if (failures.length > 0) throw failures[0];
      return pending;
    }
    await sleep(250);
  }
}

/** Task states read from the database per query (an `in` list well under PostgreSQL's and SQLite's bind limits). */
const STATE_READ_BATCH = 1000;

/**
 * Reads each task through the fleet until it is terminal or `deadline` (ms since the epoch) passes;
 * resolves with the tasks still not terminal then.
 */
export async function readUntilTerminal(options: { recorder: HistoryRecorder; targets: Targets; processes: ProcessNumbers; taskIds: readonly string[]; deadline: number; timeoutMs: number }): Promise<string[]> {
  const { recorder } = options;
  let pending = [...options.taskIds];
  let turn = 0;
  for (;;) {
    const still: string[] = [];
    await inParallel(pending, READERS, async (id, reader) => {
      const live = options.targets.live();
      const node = live[turn++ % Math.max(live.length, 1)];
      if (!node) {
        still.push(id);
        return;
      }
      const op = recorder.invoke(reader, F.get, id, null, node.name);
      const outcome = await a2aCall(node.url, 'GetTask', { id }, options.timeoutMs, node.headers);
      await read(recorder, op, outcome);
      const task = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
      if (!task || !TERMINAL.has(task.state)) still.push(id);
    }, options.processes);
    pending = still;
    if (pending.length === 0 || Date.now() > options.deadline) return pending;
    await sleep(250);
  }
}

/** Readers of the final phase, side by side, each a process of its own. */
const READERS = 6;

/** Runs `each` over `items`, `width` at a time, each lane as its own process number. */
async function inParallel<T>(items: readonly T[], width: number, each: (item: T, process: number) => Promise<void>, processes: ProcessNumbers): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    const process = processes.next();
    while (next < items.length) await each(items[next++]!, process);
  }));
}

/** Records each task's whole log as the database holds it. */
export async function readLogs(options: { recorder: HistoryRecorder; processes: ProcessNumbers; database: Database; taskIds: readonly string[] }): Promise<void> {
  const { tasks } = createRuntimeStores(options.database);
  await inParallel(options.taskIds, 4, async (id, process) => {
    const op = options.recorder.invoke(process, F.log, id, null);
    const events = await tasks.events(id, 0, 100_000);
    options.recorder.ok(op, {
      // The stored kind, which names the internal entries (`history`) streams skip.
      events: events.map((e) => ({ ...frameEvent(e.seq, JSON.parse(e.payload) as Record<string, unknown>), kind: e.kind })),
    });
  }, options.processes);
}

/** Waits until no push is left to deliver (every outbox row delivered or dead) or `deadline` passes; resolves with how many are left. */
export async function waitForPushesDelivered(database: Database, deadline: number): Promise<number> {
  for (;;) {
    const row = await database.db.selectFrom('push_outbox').select((eb) => eb.fn.countAll<string>().as('left')).where('state', 'not in', ['delivered', 'dead']).executeTakeFirstOrThrow();
    const left = Number(row.left);
    if (left === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}


/** Records the external ledger of workflow step effects (ledger-agent.ts), one `effects` operation per run it names. */
export async function readEffects(options: { recorder: HistoryRecorder; processes: ProcessNumbers; database: Database }): Promise<void> {
  const process = options.processes.next();
  for (const [runId, effects] of await readLedger(options.database.db)) {
    options.recorder.ok(options.recorder.invoke(process, F.effects, runId, null), { runId, effects });
  }
}

/**
 * Each task of `ids` as the database ends it, with its whole log (every event's payload and when it
 * was written), and the workflow run that started it when it is a step's child (its input names the
 * run): what a run that left a task unfinished keeps beside its history, since the fleet's schema
 * is dropped with the fleet.
 */
export async function unfinishedTaskDetails(database: Database, ids: readonly string[]): Promise<unknown[]> {
  const { tasks } = createRuntimeStores(database);
  const detail = async (id: string) => {
    const row = await tasks.get(id);
    const events = (await tasks.events(id, 0, 100_000)).map((e) => ({ seq: e.seq, kind: e.kind, at: new Date(e.createdAt).toISOString(), payload: JSON.parse(e.payload) as unknown }));
    return { id, agent: row?.agent, state: row?.state, owner: row?.owner, events };
  };
  const out: unknown[] = [];
  for (const id of ids) {
    const task = await detail(id);
    const runId = /"runId":"([0-9a-f-]{36})"/.exec(JSON.stringify(task.events[0]?.payload ?? {}))?.[1];
    out.push({ ...task, ...(runId !== undefined && runId !== id && { run: await detail(runId) }) });
  }
  return out;
}
