/**
 * Prints the outcome of a send or a subscription, human or `--json`, and
 * turns it into the exit code (see exit-codes.ts).
 */
import { Message, StreamResponse, Task, TaskState } from '@a2a-js/sdk';
import type { CliContext } from './cli-io.js';
import { ExitCodes, type ExitCode } from './exit-codes.js';
import { formatMessage, formatStreamEvent, formatTask } from './render-human.js';
import { isInterrupted, isTerminal, errorMessage } from '../../protocol/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { humanStateName } from './task-state.js';
import { approvalWaitLines, parkedApproval } from './approval-wait.js';

/** How results are printed. */
export interface OutputOptions {
  /** Print v1.0 JSON (one document, or NDJSON for streams) instead of text. */
  json: boolean;
  /** The agent URL as the user typed it, for the follow-up hints. */
  agentUrl: string;
}

/** Prints the result of a blocking `SendMessage` (A2A §3.1.1): a Task or a direct Message. */
export function printSendResult(ctx: CliContext, result: Task | Message, options: OutputOptions): ExitCode {
  if (isTask(result)) return printTask(ctx, result, options);
  ctx.io.stdout.write(options.json ? `${JSON.stringify(Message.toJSON(result))}\n` : formatMessage(result));
  return ExitCodes.OK;
}

/** Prints one task and returns the exit code its state calls for. */
export function printTask(ctx: CliContext, task: Task, options: OutputOptions & { history?: boolean }): ExitCode {
  ctx.io.stdout.write(options.json ? `${JSON.stringify(Task.toJSON(task))}\n` : formatTask(task, { history: options.history === true }));
  const state = task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  printFollowUpHint(ctx, task.id, state, options, task.metadata);
  return exitCodeForState(state);
}

/** Waits before each resubscription of a stream that broke, ms: the agent's recovery of a dead replica's task takes ~30 s. */
export const RESUBSCRIBE_DELAYS_MS = [250, 1000, 2000, 4000, 8000, 15_000, 30_000];

/**
 * Prints stream events as they arrive and stops at the first terminal or
 * interrupted state (A2A §3.1.2: the stream ends there anyway; stopping
 * ourselves keeps a misbehaving server from holding the CLI open).
 *
 * With `resubscribe`, a stream that breaks before its task ends (the replica
 * serving it died, a proxy cut it) is followed again with SubscribeToTask
 * (A2A §3.1.6), saying so on stderr, with backoff ({@link RESUBSCRIBE_DELAYS_MS});
 * the task lives on in the agent's store, so the stream resumes where it is.
 */
export async function followStream(
  ctx: CliContext,
  events: AsyncIterable<StreamResponse>,
  options: OutputOptions & {
    resuming?: boolean;
    resubscribe?: ((taskId: string) => AsyncIterable<StreamResponse>) | undefined;
    /** Reads the task: a resubscription refused because the task ended meanwhile prints the task as it ended. */
    readTask?: ((taskId: string) => Promise<Task>) | undefined;
  },
): Promise<ExitCode> {
  let taskId: string | undefined;
  let state: TaskState | undefined;
  let metadata: Task['metadata'];
  let sawMessage = false;
  let first = true;
  let attempt = 0;
  let resubscribed = false;
  let stream: AsyncIterable<StreamResponse> | undefined = events;
  while (stream !== undefined) {
    const current: AsyncIterable<StreamResponse> = stream;
    stream = undefined;
    try {
      for await (const event of current) {
        attempt = 0;
        ctx.io.stdout.write(options.json ? `${JSON.stringify(StreamResponse.toJSON(event))}\n` : formatStreamEvent(event));
        const payload = event.payload;
        if (payload?.$case === 'task') {
          taskId = payload.value.id;
          state = payload.value.status?.state;
          metadata = payload.value.metadata;
          // Answering an interrupted task: the stream opens with the task as it
          // was, still input-required; that is the question we are answering.
          const stale = options.resuming === true && first && isInterrupted(state);
          first = false;
          if (stale) continue;
        } else if (payload?.$case === 'statusUpdate') {
          taskId = payload.value.taskId;
          state = payload.value.status?.state;
        } else if (payload?.$case === 'message') {
          sawMessage = true;
          // A bare message ends a stream that created no task (A2A §3.1.2).
          if (taskId === undefined) break;
        }
        first = false;
        if (isTerminal(state) || isInterrupted(state)) break;
      }
      // Ended without an error but before its task did (a replica drained its streams as it stopped): followed again too.
      if (options.resubscribe !== undefined && taskId !== undefined && !isTerminal(state) && !isInterrupted(state)) throw new StreamEndedEarly();
    } catch (err) {
      if (resubscribed && taskId !== undefined && !isStreamBreak(err) && options.readTask !== undefined) {
        // The agent refused the resubscription (a task that ended meanwhile has nothing to stream): how it ended.
        const task = await options.readTask(taskId);
        ctx.io.stdout.write(options.json ? `${JSON.stringify(StreamResponse.toJSON({ payload: { $case: 'task', value: task } }))}\n` : formatTask(task, { history: false }));
        state = task.status?.state;
        break;
      }
      const resubscribe = options.resubscribe;
      const delay = RESUBSCRIBE_DELAYS_MS[attempt];
      if (resubscribe === undefined || taskId === undefined || isTerminal(state) || !isStreamBreak(err) || delay === undefined) {
        if (taskId !== undefined && !isTerminal(state) && isStreamBreak(err)) ctx.io.stderr.write(`the stream of task ${taskId} broke (${errorMessage(err)}); follow it with: agentmesh tasks watch ${options.agentUrl} ${taskId}\n`);
        throw err;
      }
      attempt++;
      ctx.io.stderr.write(`the stream of task ${taskId} broke (${errorMessage(err)}); resubscribing in ${delay} ms (attempt ${attempt} of ${RESUBSCRIBE_DELAYS_MS.length})\n`);
      await sleep(delay);
      const id = taskId;
      resubscribed = true;
      stream = (async function* () {
        yield* resubscribe(id);
      })();
      // The first event of a resubscription is the task as it is now: printed, it says where the task got to.
      first = false;
    }
  }
  if (state !== undefined && taskId !== undefined && (isTerminal(state) || isInterrupted(state))) {
    printFollowUpHint(ctx, taskId, state, options, metadata);
    return exitCodeForState(state);
  }
  if (taskId === undefined && sawMessage) return ExitCodes.OK;
  ctx.io.stderr.write(
    taskId === undefined
      ? 'error: the stream ended without a task or a message\n'
      : `error: the stream ended before task ${taskId} finished (last state: ${humanStateName(state)}); follow it with: agentmesh tasks watch ${options.agentUrl} ${taskId}\n`,
  );
  return ExitCodes.FAILURE;
}

/**
 * For an interrupted task, tells the user how to continue it (A2A §3.4.2:
 * the answer is a new message carrying the same taskId). In `--json` mode the
 * hint goes to stderr so stdout stays parseable.
 */
function printFollowUpHint(ctx: CliContext, taskId: string, state: TaskState, options: OutputOptions, metadata: Task['metadata']): void {
  const sink = options.json ? ctx.io.stderr : ctx.io.stdout;
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED) {
    sink.write(`the agent needs more input; answer with:\n  agentmesh send ${options.agentUrl} --task ${taskId} "answer"\n`);
  } else if (state === TaskState.TASK_STATE_AUTH_REQUIRED) {
    // A call the gateway parked for an approval waits for an approver, not for the caller's credentials.
    const approval = parkedApproval(taskId, metadata);
    sink.write(approval !== undefined ? approvalWaitLines(taskId, approval, options.agentUrl) : `the agent needs authorization; retry with credentials:\n  agentmesh send ${options.agentUrl} --task ${taskId} --token <token> "message"\n`);
  }
}

export function isTask(result: Task | Message): result is Task {
  // A Task has `status`; a Message has `role` and `parts` (A2A §3.1.1 result oneof).
  return 'status' in result && !('role' in result);
}

/**
 * Exit code for a task that stopped in `state` (A2A §4.1.3): completed → 0,
 * failed/canceled/rejected → 1, input/auth-required → 3. A task still running
 * (submitted, working) is not a failure of the call: 0.
 */
export function exitCodeForState(state: TaskState): ExitCode {
  switch (state) {
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_CANCELED:
    case TaskState.TASK_STATE_REJECTED:
      return ExitCodes.FAILURE;
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return ExitCodes.NEEDS_INPUT;
    default:
      return ExitCodes.OK;
  }
}

/**
 * An error that broke a stream in transit (the connection reset or closed,
 * the body cut short), not an answer of the agent's (an A2A error) nor the
 * CLI's own deadline: following the task again may succeed.
 */
function isStreamBreak(err: unknown): boolean {
  if (err instanceof StreamEndedEarly) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError') return false;
  // The SDK's A2A errors (TaskNotFoundError, …: a `reason`) and ours (an `AM_ERR_…` code): the agent answered.
  if (typeof (err as { reason?: unknown }).reason === 'string') return false;
  if (String((err as { code?: unknown }).code ?? '').startsWith('AM_ERR_')) return false;
  const text = `${err.name} ${err.message} ${err.cause instanceof Error ? `${err.cause.name} ${err.cause.message} ${(err.cause as { code?: string }).code ?? ''}` : ''}`;
  return /aborted|terminated|fetch failed|socket|ECONNRESET|ECONNREFUSED|EPIPE|other side closed|premature|stream/i.test(text);
}

/** A stream that ended cleanly before its task did. */
class StreamEndedEarly extends Error {
  constructor() {
    super('the stream ended before the task did');
    this.name = 'StreamEndedEarly';
  }
}
