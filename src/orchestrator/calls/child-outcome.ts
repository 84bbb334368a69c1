import { TaskState, type Artifact, type Message, type Part, type Task } from '@a2a-js/sdk';
import type { ChildOutcome } from './agent-caller.js';
import { OUTPUTS_ARTIFACT } from '../run-events.js';

/** Lower-case names of the task states (`input-required`), as ChildEvent and ChildOutcome use them. */
const STATE_NAMES: Readonly<Partial<Record<TaskState, string>>> = {
  [TaskState.TASK_STATE_SUBMITTED]: 'submitted',
  [TaskState.TASK_STATE_WORKING]: 'working',
  [TaskState.TASK_STATE_COMPLETED]: 'completed',
  [TaskState.TASK_STATE_FAILED]: 'failed',
  [TaskState.TASK_STATE_CANCELED]: 'canceled',
  [TaskState.TASK_STATE_INPUT_REQUIRED]: 'input-required',
  [TaskState.TASK_STATE_REJECTED]: 'rejected',
  [TaskState.TASK_STATE_AUTH_REQUIRED]: 'auth-required',
};

export function stateLabel(state: TaskState | undefined): string {
  return (state !== undefined && STATE_NAMES[state]) || 'unknown';
}

/** Terminal (A2A §4.1.3) or interrupted (§3.2.2): where a call stops following its task. */
export function isCallEnd(state: TaskState | undefined): boolean {
  return (
    state === TaskState.TASK_STATE_COMPLETED ||
    state === TaskState.TASK_STATE_FAILED ||
    state === TaskState.TASK_STATE_CANCELED ||
    state === TaskState.TASK_STATE_REJECTED ||
    state === TaskState.TASK_STATE_INPUT_REQUIRED ||
    state === TaskState.TASK_STATE_AUTH_REQUIRED
  );
}

/** How a task that reached an end (see {@link isCallEnd}) ended, as a call outcome. */
export function outcomeOf(agent: string, task: Task): ChildOutcome {
  const state = task.status?.state;
  const message = task.status?.message;
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED:
      return { state: 'completed', taskId: task.id, contextId: task.contextId, output: outputOf(task), task };
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED: {
      const data = dataOf(message?.parts ?? []);
      const questionId = message?.messageId;
      return { state: state === TaskState.TASK_STATE_INPUT_REQUIRED ? 'input-required' : 'auth-required', taskId: task.id, contextId: task.contextId, question: textOf(message?.parts ?? []), ...(questionId ? { questionId } : {}), ...(data !== undefined ? { data } : {}) };
    }
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_REJECTED:
    case TaskState.TASK_STATE_CANCELED: {
      const label = stateLabel(state) as 'failed' | 'rejected' | 'canceled';
      const reason = textOf(message?.parts ?? []);
      return { state: label, taskId: task.id, error: reason !== '' ? reason : `${agent}'s task ${task.id} ${label === 'failed' ? 'failed without a reason' : `was ${label}`}`, transient: false };
    }
    default:
      return { state: 'failed', taskId: task.id, error: `${agent}'s task ${task.id} is ${stateLabel(state)}, not ended`, transient: true };
  }
}

/**
 * A completed task's output: the `result` artifact (what a runtime skill
 * returned: its data part, else its text), else a workflow's `outputs`, else the only artifact's data,
 * else every artifact's text joined, else the status message's data or text.
 */
export function outputOf(task: Task): unknown {
  // `outputs`: a workflow of another orchestrator (whose `steps` artifact is a report, not the answer).
  const result = task.artifacts.find((a) => a.name === 'result') ?? task.artifacts.find((a) => a.name === OUTPUTS_ARTIFACT);
  if (result) return dataOrText(result);
  if (task.artifacts.length === 1) return dataOrText(task.artifacts[0]!);
  const text = task.artifacts.map((a) => textOf(a.parts)).join('');
  if (text !== '') return text;
  return messageOutput(task.status?.message);
}

/** The message an agent answered with instead of a task (A2A §3.1.1): its data, else its text. */
export function messageOutput(message: Message | undefined): unknown {
  if (!message) return undefined;
  const data = firstData(message.parts);
  if (data.found) return data.value;
  const text = textOf(message.parts);
  return text === '' ? undefined : text;
}

function dataOrText(artifact: Artifact): unknown {
  const data = firstData(artifact.parts);
  return data.found ? data.value : textOf(artifact.parts);
}

function firstData(parts: readonly Part[]): { found: boolean; value?: unknown } {
  const part = parts.find((p) => p.content?.$case === 'data');
  return part?.content?.$case === 'data' ? { found: true, value: part.content.value } : { found: false };
}

/** Text parts joined. */
export function textOf(parts: readonly Part[]): string {
  let out = '';
  for (const p of parts) if (p.content?.$case === 'text') out += p.content.value;
  return out;
}

/** Data parts: the one value, several as an array, none as undefined. */
export function dataOf(parts: readonly Part[]): unknown {
  const values = parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as unknown] : []));
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}
