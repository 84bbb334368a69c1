/**
 * A workflow's steps as an outline (docs/console.md#workflows): what the console draws as a
 * graph before any run, with each step's path as the run's progress events
 * name it (`providers/ok`), so a run's states land on the same nodes. Only
 * the shape goes out: ids, kinds and targets, never inputs or templates
 * (they may quote data). Registered with the workflow's skill metadata.
 */
import type { Step, WorkflowDefinition } from './workflow-definition.js';

/** One step of the outline. */
export interface OutlineStep {
  id: string;
  kind: Step['kind'];
  /** A call's agent (by name) or skill (found through the registry). */
  agent?: string;
  skill?: string;
  /** The step runs only when its `when` holds. */
  conditional?: true;
  /** Children of sequence, parallel and fallback steps. */
  steps?: OutlineStep[];
  /** The step a map runs per item or batch. */
  step?: OutlineStep;
  /** A parallel step's join policy. */
  join?: string;
}

/** Steps an outline holds at most; a larger workflow is registered without one. */
export const MAX_OUTLINE_STEPS = 500;

/** The outline of `workflow`, or undefined when it has more than {@link MAX_OUTLINE_STEPS} steps. */
export function workflowOutline(workflow: WorkflowDefinition): { steps: OutlineStep[] } | undefined {
  let count = 0;
  const outline = (step: Step): OutlineStep => {
    count += 1;
    const node: OutlineStep = { id: step.id, kind: step.kind, ...(step.when !== undefined && { conditional: true as const }) };
    switch (step.kind) {
      case 'call':
        if (step.call.agent !== undefined) node.agent = step.call.agent;
        if (step.call.skill !== undefined) node.skill = step.call.skill;
        break;
      case 'map':
        node.step = outline(step.step);
        break;
      case 'parallel':
        node.join = step.join;
        node.steps = step.steps.map(outline);
        break;
      default:
        node.steps = step.steps.map(outline);
    }
    return node;
  };
  const steps = workflow.steps.map(outline);
  return count > MAX_OUTLINE_STEPS ? undefined : { steps };
}
