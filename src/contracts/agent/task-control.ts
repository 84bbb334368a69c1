import type { Message, Task } from '@a2a-js/sdk';
import type { ArtifactInput } from './skill-context.js';

/** A user message that joined a handed-off (or working) task, with its position in the task's event log. */
export interface TaskMessage {
  /** Sequence number of the event that recorded it: pass it as `afterSeq` to resume after it. */
  seq: number;
  message: Message;
}

/** Options of {@link AgentTaskControl.progress}. */
export interface ControlProgressOptions {
  /** A data part added to the status message. */
  data?: Record<string, unknown>;
  /** Keep the status message in the task's history. Default true. */
  history?: boolean;
  /** Keys merged into the task's own metadata with this update. */
  taskMetadata?: Record<string, unknown>;
}

/** Options of {@link AgentTaskControl.complete}. */
export interface CompleteOptions {
  /** A status message on the completed status (kept in the history). */
  message?: string;
  /** Keys merged into the task's own metadata with the completed status. */
  taskMetadata?: Record<string, unknown>;
}

/** Options of {@link AgentTaskControl.fail}. */
export interface FailOptions {
  /** Keys merged into the task's own metadata with the failed status. */
  taskMetadata?: Record<string, unknown>;
}

/** Options of {@link AgentTaskControl.messages}. */
export interface TaskMessagesOptions {
  /** Deliver messages recorded after this sequence number (0: every message since the task began). */
  afterSeq?: number;
  /** Ends the iteration (the loop exits without error). */
  signal?: AbortSignal;
}

/**
 * Writes to an agent's handed-off tasks, by task id: what a skill's
 * `onMessage` is given (`TaskMessageContext.tasks`) and what the runtime's
 * `TaskControl` (`openTaskControl()`) does from any process. Declared here,
 * beside the agent definition that names it, so an agent's code depends on
 * the contract and not on the runtime that fills it.
 */
export interface AgentTaskControl {
  /** The task as stored now. TaskNotFound when it does not exist (or belongs to another agent than this control's). */
  get(taskId: string): Promise<Task>;
  /** True when the task was handed off and is not finished: the writes of this control apply to it. */
  isHandedOff(taskId: string): Promise<boolean>;
  /** A WORKING status update with this text (and a data part), as `ctx.progress()` emits it. */
  progress(taskId: string, text: string, options?: ControlProgressOptions): Promise<Task>;
  /** An artifact, or a chunk of one (`append`, `lastChunk`), as `ctx.artifact()` emits it. Resolves with the artifact's id. */
  artifact(taskId: string, input: ArtifactInput): Promise<string>;
  /** Moves the task to INPUT_REQUIRED with this question; the user's answer comes through {@link messages} or the skill's `onMessage`. */
  requireInput(taskId: string, question: string, data?: Record<string, unknown>): Promise<Task>;
  /** Completes the task; a `result` becomes its `result` artifact, as a handler's returned value does. */
  complete(taskId: string, result?: unknown, options?: CompleteOptions): Promise<Task>;
  /** Fails the task with this reason (its status message). */
  fail(taskId: string, reason: string, options?: FailOptions): Promise<Task>;
  /** Rejects the task (REJECTED: the agent declines it) with this reason (its status message). */
  reject(taskId: string, reason: string): Promise<Task>;
  /** Cancels the task, handed off or not, as CancelTask does. */
  cancel(taskId: string): Promise<Task>;
  /** The user messages that join the task, in order, live, from the durable log. */
  messages(taskId: string, options?: TaskMessagesOptions): AsyncGenerator<TaskMessage, void, undefined>;
  /** Closes what the control opened; a no-op for a runtime's own. */
  close(): Promise<void>;
}
