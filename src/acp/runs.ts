import { TaskState, type Artifact, type Message, type Task } from '@a2a-js/sdk';
import { a2aMessageToAcp, acpInputToA2a, agentRole, type MessageIds } from './messages.js';
import { a2aPartToAcp } from './parts.js';
import type { AcpAwaitPayload, AcpError, AcpMessage, AcpMessagePart, AcpRun, AcpRunStatus } from './wire-types.js';

/** RFC 4122 text form: ACP run and session ids are `format: uuid`. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` can be an ACP run or session id. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/**
 * A2A task state → ACP run status. ACP has no `rejected` (a refusal is a
 * failed run) nor `auth-required` (the run awaits, like for input);
 * `submitted` is `created`.
 */
export function runStatusOf(state: TaskState): AcpRunStatus {
  switch (state) {
    case TaskState.TASK_STATE_WORKING:
      return 'in-progress';
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return 'awaiting';
    case TaskState.TASK_STATE_COMPLETED:
      return 'completed';
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_REJECTED:
      return 'failed';
    case TaskState.TASK_STATE_CANCELED:
      return 'cancelled';
    default:
      return 'created';
  }
}

/**
 * ACP run status → A2A task state. `cancelling` is still `working` in A2A
 * (a task is canceled or not; the request to cancel is not a state).
 */
export function taskStateOf(status: AcpRunStatus): TaskState {
  switch (status) {
    case 'created':
      return TaskState.TASK_STATE_SUBMITTED;
    case 'in-progress':
    case 'cancelling':
      return TaskState.TASK_STATE_WORKING;
    case 'awaiting':
      return TaskState.TASK_STATE_INPUT_REQUIRED;
    case 'completed':
      return TaskState.TASK_STATE_COMPLETED;
    case 'failed':
      return TaskState.TASK_STATE_FAILED;
    case 'cancelled':
      return TaskState.TASK_STATE_CANCELED;
  }
}

/** True for the statuses a run never leaves. */
export function isFinalRunStatus(status: AcpRunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** What {@link taskToRun} needs besides the task. */
export interface RunOptions {
  agentName: string;
  /** When the task was created (epoch ms); default: its status time, else now. */
  createdAt?: number | undefined;
}

/**
 * An A2A task as an ACP run: the task id is the run id, the context id the
 * session id (when it is a UUID, as ACP requires), the artifacts' parts are
 * the output (one agent message; each part named after its artifact unless
 * it has a filename), an input-required status message is the
 * `await_request`, and a failed or rejected task's status text is the error.
 */
export function taskToRun(task: Task, options: RunOptions): AcpRun {
  const state = task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  const status = runStatusOf(state);
  const statusTime = task.status?.timestamp;
  const created = options.createdAt ?? (statusTime ? Date.parse(statusTime) : Date.now());
  const run: AcpRun = {
    agent_name: options.agentName,
    run_id: task.id,
    status,
    output: outputOf(task, options.agentName),
    created_at: new Date(Number.isNaN(created) ? Date.now() : created).toISOString(),
  };
  if (isUuid(task.contextId)) run.session_id = task.contextId;
  const statusMessage = task.status?.message;
  if (status === 'awaiting') run.await_request = awaitRequestOf(statusMessage, options.agentName);
  if (status === 'failed') run.error = runErrorOf(state, statusMessage);
  if (isFinalRunStatus(status) && statusTime) run.finished_at = new Date(statusTime).toISOString();
  return run;
}

/** The parts of the task's artifacts, in order, as ACP parts. */
export function artifactParts(artifacts: readonly Artifact[]): AcpMessagePart[] {
  const parts: AcpMessagePart[] = [];
  for (const a of artifacts) for (const p of a.parts) parts.push(a2aPartToAcp(p, a.name || undefined));
  return parts;
}

/**
 * A run's output: one agent message of every artifact part. A completed task
 * without artifacts that answered with a status message gives that message.
 */
export function outputOf(task: Task, agentName: string): AcpMessage[] {
  const parts = artifactParts(task.artifacts);
  if (parts.length > 0) return [{ role: agentRole(agentName), parts }];
  if (task.status?.state === TaskState.TASK_STATE_COMPLETED && task.status.message) {
    const message = a2aMessageToAcp(task.status.message, agentName);
    if (message) return [message];
  }
  return [];
}

/**
 * What an awaiting run asks for, in the shape the ACP SDKs use
 * (`{ type: 'message', message }`); `{}` when the task gave no message.
 */
export function awaitRequestOf(message: Message | undefined, agentName: string): AcpAwaitPayload {
  const acp = message ? a2aMessageToAcp(message, agentName) : undefined;
  return acp ? { type: 'message', message: acp } : {};
}

/**
 * An `await_resume` as the A2A message that continues the task: its
 * `message` when it carries one (the ACP SDKs' `MessageAwaitResume`), else
 * the whole object as one data part, so a skill still sees what was sent.
 */
export function awaitResumeToA2a(resume: AcpAwaitPayload, ids: MessageIds): Message {
  const message = resume['message'] as unknown;
  // The answer is the user's, whatever role the client wrote on it: A2A continues a task with a user message.
  if (isAcpMessageLike(message)) return acpInputToA2a([message], ids);
  return {
    ...acpInputToA2a([], ids),
    parts: [{ content: { $case: 'data', value: resume }, metadata: undefined, filename: '', mediaType: 'application/json' }],
  };
}

function isAcpMessageLike(value: unknown): value is AcpMessage {
  if (typeof value !== 'object' || value === null) return false;
  const parts = (value as { parts?: unknown }).parts;
  return Array.isArray(parts) && parts.length > 0 && parts.every((p) => typeof p === 'object' && p !== null);
}

function runErrorOf(state: TaskState, message: Message | undefined): AcpError {
  const text = message?.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('') ?? '';
  if (state === TaskState.TASK_STATE_REJECTED) return { code: 'invalid_input', message: text || 'The agent rejected the run' };
  return { code: 'server_error', message: text || 'The run failed' };
}
