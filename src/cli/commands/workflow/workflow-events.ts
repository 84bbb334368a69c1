/**
 * Reads a workflow run out of A2A objects: the run events in status
 * messages (`{ "agentmesh.workflow": RunEvent }` data parts), the `outputs`
 * artifact, and the workflow's name on a listed task.
 */
import type { Artifact, Message, Task } from '@a2a-js/sdk';
import { OUTPUTS_ARTIFACT, ROUTE_SKILL, RUN_EVENT_KEY, RUN_STEPS_SKILL, RUN_WORKFLOW_SKILL, STEPS_ARTIFACT, type RunEvent, type StepsPage, type StepSummary } from '../../../orchestrator/index.js';
import { isRecord, oneOf } from '../../../protocol/index.js';

/** The run event a status message carries, if any. */
export function runEventOf(message: Message | undefined): RunEvent | undefined {
  for (const part of message?.parts ?? []) {
    if (part.content?.$case !== 'data') continue;
    const value: unknown = part.content.value;
    const event = isRecord(value) ? value[RUN_EVENT_KEY] : undefined;
    if (isRunEvent(event)) return event;
  }
  return undefined;
}

/** The text parts of a status message: the question or the reason (its data part is for machines). */
export function statusTextOf(message: Message | undefined): string {
  return (message?.parts ?? []).flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');
}

/**
 * Every run event a task still tells, in order. Step starts and ends are
 * streamed but not kept in the history; a finished run's `steps` artifact
 * says how each top-level step ended, so its rows stand in for them, after
 * the kept events (a retry's failure) and before the run's end. `rows`,
 * when given (a page of a long run's steps), stand in for the artifact's.
 */
export function runEventsOf(task: Task, rows: readonly StepSummary[] = stepsOf(task.artifacts)): RunEvent[] {
  const kept = (task.history ?? []).map(runEventOf).filter((e): e is RunEvent => e !== undefined);
  const isEnd = (e: RunEvent) => e.type === 'run.completed' || e.type === 'run.failed';
  const runId = task.id;
  const fromSteps = rows.flatMap((row): RunEvent[] => {
    const started: RunEvent = { type: 'step.started', runId, path: row.path, kind: row.kind, attempt: row.attempt ?? 1, ...(row.agent !== undefined ? { agent: row.agent } : {}) };
    switch (row.status) {
      case 'completed':
        return [started, { type: 'step.completed', runId, path: row.path, kind: row.kind, durationMs: row.durationMs ?? 0, cached: false }];
      case 'failed':
        return [started, { type: 'step.failed', runId, path: row.path, kind: row.kind, error: row.error ?? 'failed', willRetry: false }];
      case 'skipped':
        return [{ type: 'step.skipped', runId, path: row.path }];
      case 'pending':
        return [];
      default:
        return [started];
    }
  });
  // A step still under way (a page of a running run) started before what the history kept of it (its question).
  const underWay = fromSteps.filter((e) => e.type === 'step.started' && rows.some((row) => row.path === e.path && UNDER_WAY.has(row.status)));
  const ended = fromSteps.filter((e) => !underWay.includes(e));
  return [...underWay, ...kept.filter((e) => !isEnd(e)), ...ended, ...kept.filter(isEnd)];
}

const UNDER_WAY: ReadonlySet<StepSummary['status']> = new Set(['running', 'input-required', 'awaiting-approval']);

/** The rows of a run's `steps` artifact (absent until the run ended). */
export function stepsOf(artifacts: readonly Artifact[] | undefined): StepSummary[] {
  const part = artifacts?.find((a) => a.name === STEPS_ARTIFACT)?.parts.find((p) => p.content?.$case === 'data');
  const steps = part?.content?.$case === 'data' ? (part.content.value as { steps?: unknown } | null)?.steps : undefined;
  return Array.isArray(steps) ? steps.filter(isStepSummary) : [];
}

/** The page of steps a `run-steps` answer carries (its data part), checked row by row; undefined when it carries none. */
export function stepsPageOf(message: Message): StepsPage | undefined {
  for (const part of message.parts) {
    if (part.content?.$case !== 'data') continue;
    const value: unknown = part.content.value;
    if (!isRecord(value) || typeof value['runId'] !== 'string' || typeof value['total'] !== 'number' || !Array.isArray(value['steps'])) continue;
    const next = value['nextPageToken'];
    const offset = value['offset'];
    return {
      runId: value['runId'],
      total: value['total'],
      steps: value['steps'].filter(isStepSummary),
      ...(typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 && { offset }),
      ...(typeof next === 'string' && next !== '' && { nextPageToken: next }),
    };
  }
  return undefined;
}

const SUMMARY_STATUSES = ['pending', 'running', 'input-required', 'awaiting-approval', 'completed', 'failed', 'skipped', 'canceled'] as const satisfies ReadonlyArray<StepSummary['status']>;

/** A row of the `steps` artifact as the orchestrator writes it: each member of {@link StepSummary} of its type, the optional ones absent or so. */
function isStepSummary(row: unknown): row is StepSummary {
  if (!isRecord(row) || typeof row['path'] !== 'string' || typeof row['kind'] !== 'string' || oneOf(SUMMARY_STATUSES, row['status']) === undefined) return false;
  const optional = (name: string, type: 'string' | 'number'): boolean => row[name] === undefined || typeof row[name] === type;
  const units = row['units'];
  return (
    optional('attempt', 'number') &&
    optional('agent', 'string') &&
    optional('taskId', 'string') &&
    optional('durationMs', 'number') &&
    optional('error', 'string') &&
    (units === undefined || (isRecord(units) && typeof units['done'] === 'number' && typeof units['failed'] === 'number'))
  );
}

/** The workflow's outputs: the data of the `outputs` artifact (absent until the run completed). */
export function outputsOf(artifacts: readonly Artifact[] | undefined): { found: boolean; value: unknown } {
  const artifact = artifacts?.find((a) => a.name === OUTPUTS_ARTIFACT);
  const part = artifact?.parts.find((p) => p.content?.$case === 'data');
  return part?.content?.$case === 'data' ? { found: true, value: part.content.value as unknown } : { found: false, value: undefined };
}

/** The skill a task ran (`metadata.skillId`, set by the runtime). */
export function skillOf(task: Task): string | undefined {
  const metadata: unknown = task.metadata;
  const skill = isRecord(metadata) ? metadata['skillId'] : undefined;
  return typeof skill === 'string' ? skill : undefined;
}

/** Whether a task of the orchestrator is a workflow run (its router tasks are not). */
export function isWorkflowRun(task: Task): boolean {
  // A read of a run's steps refused (a bad page token) leaves a task too: not a run.
  const skill = skillOf(task);
  return skill !== ROUTE_SKILL && skill !== RUN_STEPS_SKILL;
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
