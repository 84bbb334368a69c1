import { Role, StreamResponse, Task, TaskState, type Message, type Part } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { invalidParams, isTerminal, parseStateName, Errors } from '../protocol/index.js';
import { uuidv7, type Bus, type TaskRecord, type TaskStore } from '../storage/index.js';
import type { AgentTaskControl, ArtifactInput, CompiledSkill, CompleteOptions, ControlProgressOptions, FailOptions, TaskMessage, TaskMessagesOptions } from '../contracts/agent/index.js';
import { toPart } from './to-part.js';
import { agentMessage, statusEvent, textPart, wrap } from './task-events.js';
import { TRANSIENT_MESSAGE_METADATA } from './task-fold.js';
import type { TaskRunDeps } from './task-run.js';
import { subscribeTaskEvents } from './task-subscription.js';
import { cancelTask, writeTask } from './task-writes.js';

/** What a {@link TaskControl} is built from. */
export interface TaskControlOptions {
  store: TaskStore;
  bus: Bus;
  logger: Logger;
  /** Identifies this writer; a process that hosts no runtime gets its own. */
  replicaId?: string;
  now?: () => number;
  /** Only this agent's tasks are visible (others are TaskNotFound). */
  agent?: string;
  /** Skills by agent, when known: `complete()`'s result is checked against the skill's output schema. */
  skillOf?: (agent: string, skill: string | null) => CompiledSkill | undefined;
}

/**
 * Drives tasks that their skill handed off (`ctx.handOff()`), by task id,
 * from any process holding the runtime's store: a queue consumer, a webhook,
 * another service. Every write is an event in the task's log, folded and
 * version-checked exactly like a handler's (the same TaskRun code), announced
 * on the bus and queued for push notifications, so streams on every replica
 * and webhooks see it as if the handler had emitted it.
 *
 * Writes other than `cancel` are refused on a task whose handler still runs
 * (UnsupportedOperation: its context is the writer) and on a terminal task
 * (UnsupportedOperation, A2A §3.1.1: a terminal task accepts nothing more).
 *
 * @example
 * const tasks = await openTaskControl({ config: { dataDir: '.agentmesh' } });
 * await tasks.progress(taskId, 'Half way');
 * await tasks.complete(taskId, { rows: 42 });
 */
export class TaskControl implements AgentTaskControl {
  readonly #o: TaskControlOptions;
  readonly #deps: TaskRunDeps;
  readonly #onClose: (() => Promise<void>) | undefined;

  constructor(options: TaskControlOptions, onClose?: () => Promise<void>) {
    this.#o = options;
    const now = options.now ?? Date.now;
    this.#deps = { store: options.store, bus: options.bus, logger: options.logger, replicaId: options.replicaId ?? `control-${uuidv7()}`, now };
    this.#onClose = onClose;
  }

  /** The task as stored now. TaskNotFound when it does not exist (or belongs to another agent than this control's). */
  async get(taskId: string): Promise<Task> {
    const row = await this.#load(taskId);
    return Task.fromJSON(JSON.parse(row.snapshot));
  }

  /** True when the task was handed off and is not finished: the writes of this control apply to it. */
  async isHandedOff(taskId: string): Promise<boolean> {
    const row = await this.#load(taskId);
    return !row.terminal && row.owner === null;
  }

  /** A WORKING status update with this text (and a data part), as `ctx.progress()` emits it. */
  progress(taskId: string, text: string, options: ControlProgressOptions = {}): Promise<Task> {
    return this.#write(taskId, (task) => {
      const parts: Part[] = [textPart(text), ...(options.data === undefined ? [] : [toPart({ data: options.data })])];
      const message = agentMessage(task, parts);
      if (options.history === false) message.metadata = { ...TRANSIENT_MESSAGE_METADATA };
      return [statusWith(task, TaskState.TASK_STATE_WORKING, message, this.#deps.now(), options.taskMetadata)];
    });
  }

  /**
   * An artifact, or a chunk of one (`append`, `lastChunk`), as `ctx.artifact()`
   * emits it. Chunks of one artifact share its `artifactId` (required with
   * `append`; default a new id). Resolves with the artifact's id.
   */
  async artifact(taskId: string, input: ArtifactInput): Promise<string> {
    if (input.append && !input.artifactId) throw invalidParams('artifactId', 'is required to append a chunk to an artifact');
    const artifactId = input.artifactId ?? uuidv7();
    await this.#write(taskId, (task) => [
      wrap({
        $case: 'artifactUpdate',
        value: {
          taskId: task.id,
          contextId: task.contextId,
          artifact: { artifactId, name: input.name ?? '', description: input.description ?? '', parts: input.parts.map(toPart), metadata: input.metadata, extensions: [] },
          append: input.append === true,
          lastChunk: input.lastChunk === true,
          metadata: undefined,
        },
      }),
    ]);
    return artifactId;
  }

  /**
   * Moves the task to INPUT_REQUIRED with this question. The user's answer
   * (SendMessage on the task, any replica) is recorded and the task goes back
   * to WORKING; read it with {@link messages} or the skill's `onMessage`.
   */
  requireInput(taskId: string, question: string, data?: Record<string, unknown>): Promise<Task> {
    return this.#write(taskId, (task) => {
      const parts: Part[] = [textPart(question), ...(data === undefined ? [] : [toPart({ data })])];
      return [statusWith(task, TaskState.TASK_STATE_INPUT_REQUIRED, agentMessage(task, parts), this.#deps.now())];
    });
  }

  /**
   * Completes the task. A `result` becomes its `result` artifact, as a
   * handler's returned value does (a string as text, anything else as data),
   * checked against the skill's output schema when this control knows it.
   */
  complete(taskId: string, result?: unknown, options: CompleteOptions = {}): Promise<Task> {
    return this.#write(taskId, (task, row) => {
      const events: StreamResponse[] = [];
      if (result !== undefined) {
        const skill = this.#o.skillOf?.(row.agent, row.skill);
        if (skill?.validateOutput && !skill.validateOutput(result)) {
          const first = skill.validateOutput.errors?.[0];
          throw Errors.taskResultInvalid({ taskId: task.id, skill: skill.id, problem: `${first?.instancePath || '(root)'} ${first?.message ?? ''}`.trim() });
        }
        const part = toPart(typeof result === 'string' ? { text: result } : { data: result });
        events.push(
          wrap({
            $case: 'artifactUpdate',
            value: { taskId: task.id, contextId: task.contextId, artifact: { artifactId: `${task.id}-result`, name: 'result', description: '', parts: [part], metadata: undefined, extensions: [] }, append: false, lastChunk: false, metadata: undefined },
          }),
        );
      }
      const completed = statusEvent(task, TaskState.TASK_STATE_COMPLETED, options.message, this.#deps.now());
      // Task metadata rides on the status update (task-fold merges it into the task's metadata).
      if (options.taskMetadata !== undefined && completed.payload?.$case === 'statusUpdate') completed.payload.value.metadata = { ...options.taskMetadata };
      events.push(completed);
      return events;
    });
  }

  /** Fails the task with this reason (its status message). */
  fail(taskId: string, reason: string, options: FailOptions = {}): Promise<Task> {
    return this.#write(taskId, (task) => {
      const failed = statusEvent(task, TaskState.TASK_STATE_FAILED, reason, this.#deps.now());
      if (options.taskMetadata !== undefined && failed.payload?.$case === 'statusUpdate') failed.payload.value.metadata = { ...options.taskMetadata };
      return [failed];
    });
  }

  /** Rejects the task (REJECTED: the agent declines it, A2A §4.1.3) with this reason (its status message). */
  reject(taskId: string, reason: string): Promise<Task> {
    return this.#write(taskId, (task) => [statusEvent(task, TaskState.TASK_STATE_REJECTED, reason, this.#deps.now())]);
  }

  /**
   * Cancels the task, handed off or not: a task whose handler runs is
   * canceled by its replica (asked over the bus), as CancelTask does.
   * Canceling a canceled task returns it; another terminal task is TaskNotCancelable.
   */
  async cancel(taskId: string): Promise<Task> {
    const row = await cancelTask(this.#deps, taskId, () => this.#load(taskId));
    return Task.fromJSON(JSON.parse(row.snapshot));
  }

  /**
   * The user messages that join the task (answers to {@link requireInput},
   * and messages to a WORKING task whose skill sets
   * `acceptsMessagesWhileWorking`), in order, live, from the durable log:
   * a worker that restarts resumes with `afterSeq` = the last `seq` it handled.
   * Ends when the task ends or `signal` aborts.
   */
  async *messages(taskId: string, options: TaskMessagesOptions = {}): AsyncGenerator<TaskMessage, void, undefined> {
    await this.#load(taskId);
    const events = subscribeTaskEvents({
      store: this.#o.store,
      bus: this.#o.bus,
      taskId,
      afterSeq: options.afterSeq ?? 0,
      endOnInterrupted: false,
      includeHistory: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const e of events) {
      if (e.kind !== 'history') continue;
      const payload = StreamResponse.fromJSON(JSON.parse(e.payload)).payload;
      if (payload?.$case === 'message' && payload.value.role === Role.ROLE_USER) yield { seq: e.seq, message: payload.value };
    }
  }

  /** Closes the database and bus this control opened ({@link openTaskControl}); a no-op for a runtime's own. */
  async close(): Promise<void> {
    await this.#onClose?.();
  }

  async #load(taskId: string): Promise<TaskRecord> {
    const row = typeof taskId === 'string' && taskId.length > 0 ? await this.#o.store.get(taskId) : undefined;
    if (!row || (this.#o.agent !== undefined && row.agent !== this.#o.agent)) {
      throw Errors.taskNotFound({ taskId });
    }
    return row;
  }

  /** One version-checked write to a handed-off task, rebuilt on the fresh row after a conflict. */
  async #write(taskId: string, build: (task: Task, row: TaskRecord) => StreamResponse[]): Promise<Task> {
    const result = await writeTask(
      this.#deps,
      () => this.#load(taskId),
      (row, task) => {
        if (row.terminal || isTerminal(parseStateName(row.state))) {
          throw Errors.taskClosedToUpdates({ taskId, state: row.state });
        }
        if (row.owner !== null) {
          throw Errors.taskStillRunByHandler({ taskId, owner: row.owner }, { details: { state: row.state } });
        }
        return build(task, row);
      },
    );
    return result.task;
  }
}

function statusWith(task: Task, state: TaskState, message: Message, now: number, taskMetadata?: Record<string, unknown>): StreamResponse {
  return wrap({ $case: 'statusUpdate', value: { taskId: task.id, contextId: task.contextId, status: { state, message, timestamp: new Date(now).toISOString() }, metadata: taskMetadata === undefined ? undefined : { ...taskMetadata } } });
}
