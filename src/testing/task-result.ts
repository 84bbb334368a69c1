import { TaskState, type Artifact, type Message, type Task } from '@a2a-js/sdk';
import type { UsageRecord } from '../runtime/index.js';
import { dataOf, dataOfParts, textOf, textOfParts, usageOf } from './parts.js';

/** A task state as the wire writes it: `'TASK_STATE_COMPLETED'`, `'TASK_STATE_INPUT_REQUIRED'`… */
export type TaskStateName = keyof typeof TaskState;

/** The wire name of a task state. */
export function stateNameOf(state: TaskState | undefined): TaskStateName {
  const name = TaskState[state ?? TaskState.TASK_STATE_UNSPECIFIED];
  return name !== undefined && isStateName(name) ? name : 'UNRECOGNIZED';
}

/** A name of the enum (its reverse mapping also holds the numbers, which `TaskState[state]` never returns). */
function isStateName(name: string): name is TaskStateName {
  return Object.hasOwn(TaskState, name);
}

/** The metadata key the runtime records a task's usage under (UsageRecord). */

/**
 * A task as the agent answered it (the SDK's `Task`, in {@link task}), with
 * readers for what tests assert on: state, status text, artifacts by name,
 * the handler's result and the usage it reported.
 *
 * @example
 * const result = await agent.send({ data: { leadIds: ['lead-001'] } });
 * assert.equal(result.state, 'TASK_STATE_COMPLETED');
 * assert.equal(result.data<{ scored: unknown[] }>().scored.length, 1);
 * assert.deepEqual(result.usage, { credits: 1, units: { leads: 1 } });
 */
export class TaskResult {
  /** The task exactly as the A2A call returned it. */
  readonly task: Task;

  constructor(task: Task) {
    this.task = task;
  }

  get id(): string {
    return this.task.id;
  }

  get contextId(): string {
    return this.task.contextId;
  }

  /** The task's state by its wire name. */
  get state(): TaskStateName {
    return stateNameOf(this.task.status?.state);
  }

  /** The status message: the question when input-required, the reason when failed or canceled. */
  get statusMessage(): Message | undefined {
    return this.task.status?.message;
  }

  /** The text of the status message ('' when there is none). */
  get statusText(): string {
    return textOf(this.statusMessage);
  }

  /** The data part of the status message (e.g. what a question asks for), or undefined. */
  get statusData(): unknown {
    return dataOf(this.statusMessage);
  }

  get artifacts(): Artifact[] {
    return this.task.artifacts;
  }

  get history(): Message[] {
    return this.task.history;
  }

  /** Credits and units the skill reported with `ctx.usage()` (summed), or undefined when it reported none. */
  get usage(): UsageRecord | undefined {
    return usageOf(this.task.metadata);
  }

  /** The artifact named `name` (the first, when several share it), or undefined. */
  artifact(name: string): Artifact | undefined {
    return this.task.artifacts.find((a) => a.name === name);
  }

  /**
   * The text of the artifact named `name` (its text parts joined, chunks in
   * order). Default `result`: the handler's return value. Throws, naming the
   * artifacts there are, when there is no such artifact.
   */
  text(name = 'result'): string {
    return textOfParts(this.#require(name).parts);
  }

  /**
   * The value of the first data part of the artifact named `name`. Default
   * `result`: what the handler returned. Throws, naming the artifacts there
   * are, when there is no such artifact. `T` is asserted, not checked.
   */
  data<T = unknown>(name = 'result'): T {
    return dataOfParts(this.#require(name).parts) as T;
  }

  /** What the handler returned: the `result` artifact's data, or its text; undefined when it returned nothing. */
  get result(): unknown {
    const artifact = this.artifact('result');
    if (artifact === undefined) return undefined;
    return dataOfParts(artifact.parts) ?? textOfParts(artifact.parts);
  }

  #require(name: string): Artifact {
    const artifact = this.artifact(name);
    if (artifact === undefined) {
      const names = this.task.artifacts.map((a) => JSON.stringify(a.name));
      throw new Error(`task ${this.task.id} (${this.state}) has no artifact named ${JSON.stringify(name)}; it has ${names.length === 0 ? 'none' : names.join(', ')}${this.statusText ? `; status: ${this.statusText}` : ''}`);
    }
    return artifact;
  }
}
