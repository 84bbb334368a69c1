/**
 * Prints the outcome of a send or a subscription, human or `--json`, and
 * turns it into the exit code (see exit-codes.ts).
 */
import { Message, StreamResponse, Task, TaskState } from '@a2a-js/sdk';
import type { CliContext } from './cli-io.js';
import { ExitCodes, type ExitCode } from './exit-codes.js';
import { formatMessage, formatStreamEvent, formatTask } from './render-human.js';
import { isInterrupted, isTerminal } from '../protocol/index.js';
import { humanStateName } from './task-state.js';

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
  printFollowUpHint(ctx, task.id, state, options);
  return exitCodeForState(state);
}

/**
 * Prints stream events as they arrive and stops at the first terminal or
 * interrupted state (A2A §3.1.2: the stream ends there anyway; stopping
 * ourselves keeps a misbehaving server from holding the CLI open).
 */
export async function followStream(
  ctx: CliContext,
  events: AsyncIterable<StreamResponse>,
  options: OutputOptions & { resuming?: boolean },
): Promise<ExitCode> {
  let taskId: string | undefined;
  let state: TaskState | undefined;
  let sawMessage = false;
  let first = true;
  for await (const event of events) {
    ctx.io.stdout.write(options.json ? `${JSON.stringify(StreamResponse.toJSON(event))}\n` : formatStreamEvent(event));
    const payload = event.payload;
    if (payload?.$case === 'task') {
      taskId = payload.value.id;
      state = payload.value.status?.state;
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
  if (state !== undefined && taskId !== undefined && (isTerminal(state) || isInterrupted(state))) {
    printFollowUpHint(ctx, taskId, state, options);
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
function printFollowUpHint(ctx: CliContext, taskId: string, state: TaskState, options: OutputOptions): void {
  const sink = options.json ? ctx.io.stderr : ctx.io.stdout;
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED) {
    sink.write(`the agent needs more input; answer with:\n  agentmesh send ${options.agentUrl} --task ${taskId} "answer"\n`);
  } else if (state === TaskState.TASK_STATE_AUTH_REQUIRED) {
    sink.write(`the agent needs authorization; retry with credentials:\n  agentmesh send ${options.agentUrl} --task ${taskId} --token <token> "message"\n`);
  }
}

function isTask(result: Task | Message): result is Task {
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
