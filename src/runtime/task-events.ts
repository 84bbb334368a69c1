import { Role, type Message, type Part, type StreamResponse, type TaskState, type Task } from '@a2a-js/sdk';
import { uuidv7 } from '../storage/index.js';
import { isInterrupted, isTerminal, parseStateName, oneOf, isRecord } from '../protocol/index.js';

/** Kinds of entries in a task's event log. `history` entries are internal (a user message joining the history) and never streamed. */
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];
const TASK_EVENT_KINDS = ['task', 'status', 'artifact', 'history'] as const;

/** The kind of a stored event: one of ours, else a status event (as {@link kindOf} files any payload it does not know). */
export function storedKind(kind: string): TaskEventKind {
  return oneOf(TASK_EVENT_KINDS, kind) ?? 'status';
}

/** A committed event as streams see it: the payload stays a JSON string so v1 transports can frame it without re-serializing. */
export interface CommittedEvent {
  /** The event's sequence number in its task's log; 0 for a skill's message answer (`reply`), which no log holds. */
  seq: number;
  /** The stored kind, or `reply`: a skill's message answer, streamed alone and never stored (ADR 0034). */
  kind: TaskEventKind | 'reply';
  /** StreamResponse as A2A v1 JSON text. */
  payload: string;
  /** The task state after this event, when the event carries one. */
  state: TaskState | undefined;
}

/** The bus message announcing committed events of one task. */
export interface TaskEventsMessage {
  taskId: string;
  events: CommittedEvent[];
}

export const taskTopic = (taskId: string): string => `task.${taskId}`;

export function kindOf(event: StreamResponse): TaskEventKind {
  switch (event.payload?.$case) {
    case 'task':
      return 'task';
    case 'artifactUpdate':
      return 'artifact';
    case 'message':
      return 'history';
    default:
      return 'status';
  }
}

export function stateOf(event: StreamResponse): TaskState | undefined {
  const p = event.payload;
  if (p?.$case === 'task') return p.value.status?.state;
  if (p?.$case === 'statusUpdate') return p.value.status?.state;
  return undefined;
}

/** True when a stream ends after this event (A2A §3.1.2: terminal; interrupted ends a send stream too). */
export function endsStream(event: CommittedEvent, includeInterrupted: boolean): boolean {
  return isTerminal(event.state) || (includeInterrupted && isInterrupted(event.state));
}

/**
 * Reads the task state out of a stored event without parsing it. ts-proto's
 * toJSON writes `status` before history, artifacts and metadata, and its
 * first key is `state`, so the first `"status":{"state":"…"` is the event's
 * own (a JSON string cannot contain an unescaped quote, so user text cannot
 * forge it ahead of the real one). Parsing every replayed event cost more than
 * framing it.
 */
export function stateFromPayload(kind: string, payload: string): TaskState | undefined {
  if (kind !== 'status' && kind !== 'task') return undefined;
  const match = STATE_IN_PAYLOAD.exec(payload);
  return match ? parseStateName(match[1]!) : undefined;
}

const STATE_IN_PAYLOAD = /"status":\{"state":"(TASK_STATE_[A-Z_]+)"/;

export function wrap(payload: NonNullable<StreamResponse['payload']>): StreamResponse {
  return { payload };
}

/** A status update event; `text` becomes an agent message on the status. */
export function statusEvent(task: Task, state: TaskState, text: string | undefined, now: number): StreamResponse {
  return wrap({
    $case: 'statusUpdate',
    value: {
      taskId: task.id,
      contextId: task.contextId,
      status: { state, message: text === undefined ? undefined : agentMessage(task, [textPart(text)]), timestamp: new Date(now).toISOString() },
      metadata: undefined,
    },
  });
}

export function agentMessage(task: Task, parts: Part[]): Message {
  return { messageId: uuidv7(), contextId: task.contextId, taskId: task.id, role: Role.ROLE_AGENT, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
}

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' };
}


/**
 * The task a stream's error is about, for its log line: the one its first event named, else the one the
 * call named (a resubscription's). Reads the first payload only when asked: on an error, not per event.
 */
export function streamTaskId(firstPayload: string | undefined, callTaskId: string | undefined): string | undefined {
  return (firstPayload === undefined ? undefined : taskIdOfPayload(firstPayload)) ?? callTaskId;
}

/**
 * The task a committed event's payload is of (`task.id`, or an update's `taskId`); none for a message
 * answer or a payload that does not parse. Parses the payload: for an error's log line, not per event.
 */
export function taskIdOfPayload(payload: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (!isRecord(parsed)) return undefined;
    const task = parsed['task'];
    if (isRecord(task) && typeof task['id'] === 'string') return task['id'];
    for (const key of ['statusUpdate', 'artifactUpdate']) {
      const update = parsed[key];
      if (isRecord(update) && typeof update['taskId'] === 'string') return update['taskId'];
    }
    return undefined;
  } catch {
    return undefined;
  }
}
