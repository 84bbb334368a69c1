import type { StepSummary } from '../run-events.js';
import type { Step, WorkflowDefinition } from '../workflow/workflow-definition.js';
import type { RunStore, StepRecord } from './run-store.js';

/**
 * The rows of the top-level steps `offset` to `offset + limit`, from their
 * records (what the `steps` artifact and `run-steps` report), reading only
 * those records and, for maps, their units' counts: a page of a long run
 * costs the page, not the run.
 */
export async function summarizeStepsPage(definition: WorkflowDefinition, store: RunStore, runId: string, offset: number, limit: number): Promise<StepSummary[]> {
  const steps = definition.steps.slice(offset, offset + limit);
  const records = await store.stepsAt(
    runId,
    steps.map((step) => step.id),
  );
  const rows: StepSummary[] = [];
  for (const step of steps) {
    const record = records.get(step.id);
    rows.push(summarizeStep(step, record, step.kind === 'map' && record ? await store.unitCounts(runId, `${step.id}/`) : undefined));
  }
  return rows;
}

function summarizeStep(step: Step, record: StepRecord | undefined, units?: { done: number; failed: number }): StepSummary {
  const row: StepSummary = { path: step.id, kind: step.kind, status: record?.status ?? 'pending' };
  if (!record) return row;
  row.attempt = record.attempt;
  if (record.agent) row.agent = record.agent;
  if (record.taskId) row.taskId = record.taskId;
  if (record.finishedAt !== null) row.durationMs = record.finishedAt - record.startedAt;
  if (record.error && record.status !== 'completed') row.error = record.error;
  if (units !== undefined) row.units = units;
  return row;
}
