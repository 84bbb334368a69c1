import type { TaskJson } from './gateway.js';

/** The states after which a task takes no more events. */
export const TERMINAL_STATES = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'] as const;

/**
 * A task as an n8n item: its ids and state, its result (the `result`
 * artifact's data, else its text), the status text, every artifact by name,
 * the credits it used, and the task itself.
 */
export function taskItem(task: TaskJson, agent: string): Record<string, unknown> {
  const artifacts: Record<string, unknown> = {};
  for (const artifact of task.artifacts ?? []) artifacts[artifact.name || artifact.artifactId] = valueOf(artifact.parts);
  const statusText = (task.status.message?.parts ?? []).map((p) => p.text ?? '').filter(Boolean).join('\n');
  return {
    agent,
    taskId: task.id,
    contextId: task.contextId,
    state: task.status.state,
    result: Object.hasOwn(artifacts, 'result') ? artifacts['result'] : null,
    statusText,
    artifacts,
    usage: task.metadata?.['agentmesh.usage'] ?? null,
    task,
  };
}

/** Parts as one value: the data of the first data part, else the texts joined. */
function valueOf(parts: Array<{ text?: string; data?: unknown }> | undefined): unknown {
  const data = (parts ?? []).find((p) => p.data !== undefined);
  if (data !== undefined) return data.data;
  return (parts ?? []).map((p) => p.text ?? '').join('');
}
