import type { StepSummary } from '../run-events.js';
import type { WorkflowDefinition } from '../workflow/workflow-definition.js';
import type { StepRecord } from './run-store.js';

/**
 * One row per top-level step, from the run's step records: what the `steps`
 * artifact reports. A map's row counts its units (`<path>/<n>` records).
 */
export function summarizeSteps(definition: WorkflowDefinition, records: ReadonlyMap<string, StepRecord>): StepSummary[] {
  return definition.steps.map((step) => {
    const record = records.get(step.id);
    const row: StepSummary = { path: step.id, kind: step.kind, status: record?.status ?? 'pending' };
    if (!record) return row;
    row.attempt = record.attempt;
    if (record.agent) row.agent = record.agent;
    if (record.taskId) row.taskId = record.taskId;
    if (record.finishedAt !== null) row.durationMs = record.finishedAt - record.startedAt;
    if (record.error && record.status !== 'completed') row.error = record.error;
    if (step.kind === 'map') {
      const unit = new RegExp(`^${escape(step.id)}/\\d+$`);
      let done = 0;
      let failed = 0;
      for (const [path, r] of records) {
        if (!unit.test(path)) continue;
        if (r.status === 'completed' || r.status === 'skipped') done++;
        else if (r.status === 'failed') failed++;
      }
      row.units = { done, failed };
    }
    return row;
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
