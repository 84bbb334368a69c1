import { TaskState, type Artifact, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';

/** Marks a status message that is streamed and becomes the status, but is not kept in the history. */
const TRANSIENT_KEY = 'agentmesh.transient';
export const TRANSIENT_MESSAGE_METADATA: Readonly<Record<string, unknown>> = Object.freeze({ [TRANSIENT_KEY]: true });

/**
 * True for a WORKING status update whose message stays out of the history
 * and that carries no task metadata: a progress line the next one replaces.
 * Its task's snapshot may lag it (task-run.ts): the log has it.
 */
export function isTransientProgress(event: StreamResponse): boolean {
  const payload = event.payload;
  if (payload?.$case !== 'statusUpdate' || payload.value.metadata !== undefined) return false;
  const status = payload.value.status;
  return status?.state === TaskState.TASK_STATE_WORKING && status.message?.metadata?.[TRANSIENT_KEY] === true;
}

/** The message an event adds to its task's history when folded: a message, or a status update's message that is not transient. */
export function historyMessageOf(event: StreamResponse): Message | undefined {
  const payload = event.payload;
  if (payload?.$case === 'message') return payload.value;
  if (payload?.$case === 'statusUpdate' && payload.value.status?.message?.metadata?.[TRANSIENT_KEY] !== true) return payload.value.status?.message;
  return undefined;
}

/**
 * Folds one event into a task snapshot, in place. The snapshot of a task is
 * always the fold of its event log, which is what makes replay and recovery
 * agree with what clients saw live.
 */
export function foldEvent(task: Task, event: StreamResponse): Task {
  const payload = event.payload;
  if (!payload) return task;
  const joining = historyMessageOf(event);
  switch (payload.$case) {
    case 'task':
      return payload.value;
    case 'message':
      task.history.push(joining!);
      return task;
    case 'statusUpdate': {
      const status = payload.value.status;
      if (status) {
        task.status = status;
        if (joining !== undefined) task.history.push(joining);
      }
      if (payload.value.metadata) task.metadata = { ...(task.metadata ?? {}), ...payload.value.metadata };
      return task;
    }
    case 'artifactUpdate': {
      const artifact = payload.value.artifact;
      if (artifact) applyArtifact(task, artifact, payload.value.append);
      return task;
    }
  }
}

function applyArtifact(task: Task, artifact: Artifact, append: boolean): void {
  const index = task.artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (index === -1) {
    task.artifacts.push(structuredCloneArtifact(artifact));
    return;
  }
  if (append) {
    const existing = task.artifacts[index]!;
    existing.parts.push(...artifact.parts);
    if (artifact.metadata) existing.metadata = { ...(existing.metadata ?? {}), ...artifact.metadata };
    return;
  }
  task.artifacts[index] = structuredCloneArtifact(artifact);
}

// The snapshot must not share part arrays with events that later chunks mutate.
function structuredCloneArtifact(artifact: Artifact): Artifact {
  return { ...artifact, parts: [...artifact.parts] };
}

/** A copy of a task with at most `historyLength` recent messages (A2A §3.2.4). */
export function withHistoryLength(task: Task, historyLength: number | undefined): Task {
  if (historyLength === undefined || task.history.length <= historyLength) return task;
  return { ...task, history: historyLength === 0 ? [] : task.history.slice(-historyLength) };
}
