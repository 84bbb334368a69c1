import type { RoutableWorkflow } from './select-target.js';
import { isRecord } from '../../protocol/index.js';

/** What {@link routableWorkflow} reads of a workflow definition (structurally: the router does not import workflow/). */
export interface WorkflowLike {
  name: string;
  description?: string | undefined;
  tags?: readonly string[] | undefined;
  inputs?: Record<string, unknown> | undefined;
  steps?: readonly unknown[] | undefined;
}

/**
 * The ranking's view of a workflow: its name, description, tags, input
 * names, and the agents and skills its steps call (a request naming the
 * work of several of them fits the workflow).
 */
export function routableWorkflow(workflow: WorkflowLike): RoutableWorkflow {
  const steps = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 20 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    if (!isRecord(value)) return;
    const record = value;
    const call = record['call'];
    if (isRecord(call) && typeof call['skill'] === 'string') steps.add(call['skill']);
    for (const [key, child] of Object.entries(record)) if (key !== 'call' && key !== 'input') walk(child, depth + 1);
  };
  walk(workflow.steps ?? [], 0);
  return { name: workflow.name, description: workflow.description, tags: workflow.tags ?? [], inputs: Object.keys(workflow.inputs ?? {}), steps: [...steps] };
}
