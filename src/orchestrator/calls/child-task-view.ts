import type { Artifact, Message, StreamResponse, Task, TaskState } from '@a2a-js/sdk';
import type { ChildEvent } from './agent-caller.js';
import { dataOf, stateLabel, textOf } from './child-outcome.js';

/**
 * A child task as its stream tells it: each event folded into a task
 * snapshot the way the runtime folds its log (A2A §3.1.2: a Task first, then
 * status and artifact updates; artifact chunks appended by id), and turned
 * into the progress event the orchestrator passes on.
 */
export class ChildTaskView {
  readonly #agent: string;
  #task: Task | undefined;
  #message: Message | undefined;

  constructor(agent: string) {
    this.#agent = agent;
  }

  get task(): Task | undefined {
    return this.#task;
  }

  /** The message an agent answered with instead of starting a task. */
  get message(): Message | undefined {
    return this.#message;
  }

  get state(): TaskState | undefined {
    return this.#task?.status?.state;
  }

  /** Folds one event; returns what it reports as progress (status updates and artifacts), if anything. */
  apply(event: StreamResponse): ChildEvent | undefined {
    const payload = event.payload;
    if (!payload) return undefined;
    switch (payload.$case) {
      case 'task':
        // A snapshot (the stream's first event, or a subscription's): the state it shows is not news.
        this.#task = { ...payload.value, artifacts: payload.value.artifacts.map(copyArtifact), history: [...payload.value.history] };
        return undefined;
      case 'message':
        if (this.#task) this.#task.history.push(payload.value);
        else this.#message = payload.value;
        return undefined;
      case 'statusUpdate': {
        const { taskId, contextId, status } = payload.value;
        const task = this.#ensure(taskId, contextId);
        if (status) {
          task.status = status;
          if (status.message) task.history.push(status.message);
        }
        if (payload.value.metadata) task.metadata = { ...(task.metadata ?? {}), ...payload.value.metadata };
        const parts = status?.message?.parts ?? [];
        const text = textOf(parts);
        const data = dataOf(parts);
        return { agent: this.#agent, taskId, kind: 'status', state: stateLabel(status?.state), ...(text !== '' ? { text } : {}), ...(data !== undefined ? { data } : {}) };
      }
      case 'artifactUpdate': {
        const { taskId, contextId, artifact, append, lastChunk } = payload.value;
        if (!artifact) return undefined;
        applyArtifact(this.#ensure(taskId, contextId), artifact, append);
        const text = textOf(artifact.parts);
        const data = dataOf(artifact.parts);
        return { agent: this.#agent, taskId, kind: 'artifact', state: artifact.name, artifact, append, lastChunk, ...(text !== '' ? { text } : {}), ...(data !== undefined ? { data } : {}) };
      }
    }
  }

  /** Updates may come first from agents that skip the initial Task (A2A §3.1.2 asks for it; be lenient). */
  #ensure(taskId: string, contextId: string): Task {
    this.#task ??= { id: taskId, contextId, status: undefined, artifacts: [], history: [], metadata: undefined };
    return this.#task;
  }
}

function applyArtifact(task: Task, artifact: Artifact, append: boolean): void {
  const index = task.artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (index === -1) task.artifacts.push(copyArtifact(artifact));
  else if (append) {
    const existing = task.artifacts[index]!;
    existing.parts.push(...artifact.parts);
    if (artifact.metadata) existing.metadata = { ...(existing.metadata ?? {}), ...artifact.metadata };
  } else task.artifacts[index] = copyArtifact(artifact);
}

// Appending chunks must not write into the arrays of the events (handed to onEvent as they came).
function copyArtifact(artifact: Artifact): Artifact {
  return { ...artifact, parts: [...artifact.parts] };
}
