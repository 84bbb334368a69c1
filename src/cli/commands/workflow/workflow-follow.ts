/**
 * Follows one workflow run to its end over SendStreamingMessage: feeds its
 * events to the progress view, answers input-required (from `--answer`, or
 * a prompt on a terminal), cancels the run on Ctrl-C, and prints the
 * outputs (or `--json` the final task). Returns the exit code.
 */
import { Task, TaskState, type Artifact, type StreamResponse } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { isInterrupted, isTerminal } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { describeError } from '../../io/error-report.js';
import { ExitCodes, type ExitCode } from '../../io/exit-codes.js';
import { exitCodeForState } from '../../io/task-output.js';
import { buildUserMessage } from '../../client/outgoing-message.js';
import { humanStateName } from '../../io/task-state.js';
import { outputsOf, runEventOf, statusTextOf } from './workflow-events.js';
import type { ProgressView } from './workflow-progress-view.js';

/**
 * Asks the user a question on the terminal: the answer, `undefined` when
 * there is no one to ask (end of input), `null` when the user pressed Ctrl-C.
 */
export type AskUser = (question: string) => Promise<string | undefined | null>;

/** Options of {@link followRun}. */
export interface FollowRunOptions {
  client: Client;
  view: ProgressView;
  /** Print the final task as v1.0 JSON on stdout instead of the outputs. */
  json: boolean;
  /** The orchestrator's URL, for the `agentmesh send --task` hint. */
  agentUrl: string;
  /** How later commands reach the same orchestrator (` --agent-url …`, or empty for the default). */
  locator: string;
  /** Answers to input-required questions, used in order (`--answer`). */
  answers: string[];
  ask?: AskUser;
  /** Registers what Ctrl-C does; returns the unregistration. */
  onInterrupt?: (handler: () => void) => () => void;
  /** Called once with the run id, when the orchestrator created the run's task. */
  onRun?: (runId: string) => void;
}

/** What one stream told before it ended. */
interface StreamEnd {
  state: TaskState | undefined;
  statusText: string;
}

/**
 * Follows the run `stream` opens, and every stream an answer opens, until the
 * run completes, fails, is canceled, or waits for input nobody can give.
 */
export async function followRun(ctx: CliContext, stream: AsyncIterable<StreamResponse>, o: FollowRunOptions): Promise<ExitCode> {
  const run: { id: string | undefined; contextId: string; artifacts: Artifact[] } = { id: undefined, contextId: '', artifacts: [] };
  let canceling = false;
  const cancel = async (): Promise<Task | undefined> => {
    if (canceling || run.id === undefined) return undefined;
    canceling = true;
    const id = run.id;
    o.view.note(`canceling run ${id}… (Ctrl-C again to leave without waiting)`);
    // The stream then ends with the canceled state; a refused cancel (the run just ended) is only reported.
    return o.client.cancelTask({ tenant: '', id, metadata: undefined }).catch((err: unknown) => {
      o.view.note(`could not cancel run ${id}: ${describeError(err).message}`);
      return undefined;
    });
  };
  let interruptedEarly = false;
  const unregister = o.onInterrupt?.(() => {
    if (run.id === undefined) interruptedEarly = true;
    else void cancel();
  });

  const consume = async (events: AsyncIterable<StreamResponse>, answering: boolean): Promise<StreamEnd> => {
    const end: StreamEnd = { state: undefined, statusText: '' };
    let first = true;
    for await (const event of events) {
      const payload = event.payload;
      if (payload?.$case === 'task') {
        const task = payload.value;
        if (run.id === undefined) {
          run.id = task.id;
          o.onRun?.(task.id);
          if (interruptedEarly) void cancel();
        }
        run.contextId = task.contextId;
        run.artifacts = [...(task.artifacts ?? [])];
        end.state = task.status?.state;
        end.statusText = statusTextOf(task.status?.message);
        // Answering: the stream opens with the task as it was, still waiting; that is the question just answered.
        const stale = answering && first && isInterrupted(end.state);
        first = false;
        if (stale) continue;
      } else if (payload?.$case === 'statusUpdate') {
        first = false;
        end.state = payload.value.status?.state;
        const message = payload.value.status?.message;
        end.statusText = statusTextOf(message);
        const runEvent = runEventOf(message);
        if (runEvent) o.view.event(runEvent);
        // Other working updates (a routed agent's words) are shown as they come.
        else if (end.state === TaskState.TASK_STATE_WORKING && end.statusText !== '') o.view.note(end.statusText);
      } else if (payload?.$case === 'artifactUpdate' && payload.value.artifact) {
        first = false;
        mergeArtifact(run.artifacts, payload.value.artifact, payload.value.append);
      }
      if (isTerminal(end.state) || isInterrupted(end.state)) break;
    }
    return end;
  };

  try {
    let end = await consume(stream, false);
    while (end.state === TaskState.TASK_STATE_INPUT_REQUIRED && run.id !== undefined && !canceling) {
      const question = end.statusText || 'the workflow needs input';
      let answer: string | undefined | null = o.answers.shift();
      if (answer !== undefined) {
        o.view.note(`answering: ${answer}`);
      } else if (o.ask) {
        o.view.suspend();
        answer = await o.ask(question);
      }
      if (answer === null) {
        const task = (await cancel()) ?? (await o.client.getTask({ tenant: '', id: run.id, historyLength: 0 }));
        end = { state: task.status?.state, statusText: statusTextOf(task.status?.message) };
        break;
      }
      if (answer === undefined) break;
      const message = buildUserMessage({ text: answer, taskId: run.id, contextId: run.contextId });
      o.view.answered();
      end = await consume(o.client.sendMessageStream({ tenant: '', message, configuration: undefined, metadata: undefined }), true);
    }
    const outcome = end.state === TaskState.TASK_STATE_COMPLETED ? 'completed' : end.state === TaskState.TASK_STATE_CANCELED ? 'canceled' : isTerminal(end.state) ? 'failed' : undefined;
    if (outcome !== undefined) o.view.progress.ended(outcome, end.statusText || undefined);
    o.view.close();
    return await finish(ctx, o, run, end);
  } finally {
    unregister?.();
    o.view.close();
  }
}

async function finish(ctx: CliContext, o: FollowRunOptions, run: { id: string | undefined; artifacts: Artifact[] }, end: StreamEnd): Promise<ExitCode> {
  const err = ctx.io.stderr;
  if (run.id === undefined) {
    err.write('error: the stream ended before the orchestrator created the run\n');
    return ExitCodes.FAILURE;
  }
  const id = run.id;
  if (!isTerminal(end.state) && !isInterrupted(end.state)) {
    err.write(`error: the stream ended before run ${id} finished (last state: ${humanStateName(end.state)}); follow it with: agentmesh workflow show ${id}${o.locator}\n`);
    return ExitCodes.FAILURE;
  }
  if (o.json) {
    const task = await o.client.getTask({ tenant: '', id });
    ctx.io.stdout.write(`${JSON.stringify(Task.toJSON(task))}\n`);
  }
  switch (end.state) {
    case TaskState.TASK_STATE_COMPLETED: {
      if (!o.json) {
        const outputs = outputsOf(run.artifacts);
        ctx.io.stdout.write(outputs.found ? `${JSON.stringify(outputs.value, null, 2)}\n` : 'null\n');
      }
      err.write(`run ${id} completed\n`);
      break;
    }
    case TaskState.TASK_STATE_INPUT_REQUIRED:
      err.write(
        `run ${id} waits for input: ${end.statusText || 'the workflow needs input'}\n` +
          `answer with:\n  agentmesh send ${o.agentUrl} --task ${id} "answer"\n` +
          `then follow it with: agentmesh workflow show ${id}${o.locator}\n`,
      );
      break;
    case TaskState.TASK_STATE_CANCELED:
      err.write(`run ${id} canceled${o.json ? '' : `; start it again from its last completed step with: agentmesh workflow resume ${id}${o.locator}`}\n`);
      break;
    default:
      err.write(`run ${id} ${humanStateName(end.state)}: ${end.statusText || 'no reason given'}\n`);
      if (end.state === TaskState.TASK_STATE_FAILED) err.write(`retry from its last completed step with: agentmesh workflow resume ${id}${o.locator}\n`);
  }
  return exitCodeForState(end.state ?? TaskState.TASK_STATE_UNSPECIFIED);
}

/** Applies an artifact update the way the runtime folds it (A2A §4.2.2: `append` adds parts). */
function mergeArtifact(artifacts: Artifact[], artifact: Artifact, append: boolean): void {
  const index = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (index === -1) artifacts.push({ ...artifact, parts: [...artifact.parts] });
  else if (append) artifacts[index] = { ...artifacts[index]!, parts: [...artifacts[index]!.parts, ...artifact.parts] };
  else artifacts[index] = { ...artifact, parts: [...artifact.parts] };
}

