/**
 * Reads a workflow run out of A2A objects: the run events in status
 * messages (`{ "agentmesh.workflow": RunEvent }` data parts), the `outputs`
 * artifact, and the workflow's name on a listed task.
 */
import type { Artifact, Message, Task } from '@a2a-js/sdk';
import { OUTPUTS_ARTIFACT, ROUTE_SKILL, RUN_EVENT_KEY, RUN_WORKFLOW_SKILL, type RunEvent } from '../../orchestrator/index.js';

/** The run event a status message carries, if any. */
export function runEventOf(message: Message | undefined): RunEvent | undefined {
  for (const part of message?.parts ?? []) {
    if (part.content?.$case !== 'data') continue;
    const value = part.content.value as Record<string, unknown> | null | undefined;
    const event = value !== null && typeof value === 'object' ? value[RUN_EVENT_KEY] : undefined;
    if (isRunEvent(event)) return event;
  }
  return undefined;
}

/** The text parts of a status message: the question or the reason (its data part is for machines). */
export function statusTextOf(message: Message | undefined): string {
  return (message?.parts ?? []).flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');
}

/** Every run event of a task, in order: the runtime keeps each status message in the history. */
export function runEventsOf(task: Task): RunEvent[] {
  return (task.history ?? []).map(runEventOf).filter((e): e is RunEvent => e !== undefined);
}

/** The workflow's outputs: the data of the `outputs` artifact (absent until the run completed). */
export function outputsOf(artifacts: readonly Artifact[] | undefined): { found: boolean; value: unknown } {
  const artifact = artifacts?.find((a) => a.name === OUTPUTS_ARTIFACT);
  const part = artifact?.parts.find((p) => p.content?.$case === 'data');
  return part?.content?.$case === 'data' ? { found: true, value: part.content.value as unknown } : { found: false, value: undefined };
}

/** The skill a task ran (`metadata.skillId`, set by the runtime). */
export function skillOf(task: Task): string | undefined {
  const skill = (task.metadata as Record<string, unknown> | undefined)?.['skillId'];
  return typeof skill === 'string' ? skill : undefined;
}

/** Whether a task of the orchestrator is a workflow run (its router tasks are not). */
export function isWorkflowRun(task: Task): boolean {
  return skillOf(task) !== ROUTE_SKILL;
}

/**
 * The workflow a run runs: the skill for a registered workflow, else the
 * name its `run.started` event reports (`run-workflow` when the run never
 * started, e.g. its definition was refused).
 */
export function workflowNameOf(task: Task): string {
  const skill = skillOf(task);
  if (skill !== undefined && skill !== RUN_WORKFLOW_SKILL) return skill;
  for (const message of task.history ?? []) {
    const event = runEventOf(message);
    if (event?.type === 'run.started') return event.workflow;
  }
  return skill ?? RUN_WORKFLOW_SKILL;
}

function isRunEvent(value: unknown): value is RunEvent {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { runId?: unknown }).runId === 'string';
}
