import { Task, TaskState, type StreamResponse } from '@a2a-js/sdk';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { ErrorCodes, isAgentmeshError, stateName, Errors } from '../protocol/index.js';
import type { TaskRecord } from '../storage/index.js';
import { statusEvent } from './task-events.js';
import { TaskRun, type TaskRunDeps } from './task-run.js';

/** Tells every replica (and task control) that a task was canceled: whoever still runs it stops its handler. */
export const CANCEL_TOPIC = 'runtime.cancel';
/**
 * The channel of one replica: control messages for the tasks it runs, which
 * their senders address to the task's `owner` — read by that replica alone,
 * not by every replica of the fleet (ADR 0023).
 */
export const replicaTopic = (replicaId: string): string => `runtime.replica.${replicaId}`;
/** How long a cancel waits for the owner to write it before writing it from here. */
const OWNER_CANCEL_WAIT_MS = 2_000;
/** Version-checked attempts of a write from outside a run (a busy owner, concurrent task controls). */
export const WRITE_ATTEMPTS = 50;

/** What {@link writeTask} does with the task as it finds it: events to append, or `null` when there is nothing to write. */
export type TaskWriteBuilder = (row: TaskRecord, task: Task) => StreamResponse[] | null;

/** The outcome of {@link writeTask}: the task after the write, and whether anything was written. */
export interface TaskWriteResult {
  task: Task;
  row: TaskRecord;
  written: boolean;
}

const isConflict = (err: unknown): boolean => isAgentmeshError(err) && err.code === ErrorCodes.TASK_VERSION_CONFLICT;

/**
 * Appends events to a task that no run of this process holds (a handed-off
 * task, a cancel written for a dead owner): reads the row, lets `build` decide
 * from the task as it is, folds the events onto its snapshot with the same
 * {@link TaskRun} the engine uses (same fold, same event log, same bus
 * announcement, same push outbox rows), and writes them under the row's
 * version. Another writer moving the task first is a version conflict: the
 * whole step is retried on the fresh row, with jittered exponential backoff
 * (cockatiel), so concurrent writers never corrupt the fold.
 */
export async function writeTask(
  deps: TaskRunDeps,
  load: () => Promise<TaskRecord>,
  build: TaskWriteBuilder,
  options: { owner?: string | null; attempts?: number } = {},
): Promise<TaskWriteResult> {
  const policy = retry(handleWhen(isConflict), { maxAttempts: (options.attempts ?? WRITE_ATTEMPTS) - 1, backoff: new ExponentialBackoff({ initialDelay: 1, maxDelay: 50 }) });
  try {
    return await policy.execute(async () => {
      const row = await load();
      const task = Task.fromJSON(JSON.parse(row.snapshot));
      const events = build(row, task);
      if (events === null || events.length === 0) return { task, row, written: false };
      const run = new TaskRun(
        { task, agent: row.agent, tenant: row.tenant, skill: row.skill, messageId: null, idempotent: row.idempotent, existing: { version: row.version, lastSeq: row.lastSeq } },
        { ...deps, onWriteFailed: undefined },
      );
      let written: Promise<void> = Promise.resolve();
      for (const event of events) written = run.emit(event, options.owner === undefined ? {} : { owner: options.owner });
      await written;
      return { task: run.task, row: { ...row, version: row.version + 1, lastSeq: run.lastSeq, snapshot: run.lastSnapshotJson, state: stateName(run.state ?? TaskState.TASK_STATE_UNSPECIFIED), terminal: run.closed }, written: true };
    });
  } catch (err) {
    if (isConflict(err)) throw Errors.taskKeptChanging({}, { cause: err });
    throw err;
  }
}

/**
 * Cancels a task that does not run in this process. The replica running it
 * (if any) is asked over the bus to cancel it itself, so a handler writing
 * every millisecond cannot make the cancel lose a version race; when no owner
 * answers in time (it died, the bus is down) or the task has no owner (handed
 * off), the cancel is written from here and the owner told to stop.
 * Returns the task row afterwards; a terminal task other than canceled is
 * TaskNotCancelable (A2A §3.1.5).
 */
export async function cancelTask(deps: TaskRunDeps, taskId: string, load: () => Promise<TaskRecord>): Promise<TaskRecord> {
  let row = await load();
  if (!row.terminal && row.owner !== null && row.owner !== deps.replicaId) {
    // Asks the owner to cancel it itself: its own writes are serialized, so its cancel cannot lose a race to them.
    await deps.bus.publish(replicaTopic(row.owner), { kind: 'cancel-request', taskId }).catch(() => undefined);
    const deadline = deps.now() + OWNER_CANCEL_WAIT_MS;
    while (!row.terminal && deps.now() < deadline) {
      await delay(10);
      row = await load();
    }
  }
  const result = await writeTask(
    deps,
    load,
    (current, task) => {
      if (current.state === 'TASK_STATE_CANCELED') return null;
      if (current.terminal) {
        throw Errors.taskNotCancelable({ taskId, state: current.state });
      }
      return [statusEvent(task, TaskState.TASK_STATE_CANCELED, 'Task was canceled', deps.now())];
    },
    { owner: null },
  );
  // The owner replica aborts its handler; its next write would be refused anyway.
  if (result.written) await deps.bus.publish(CANCEL_TOPIC, { taskId }).catch(() => undefined);
  return (await deps.store.get(taskId)) ?? result.row;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
