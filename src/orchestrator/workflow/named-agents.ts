import type { Step, WorkflowDefinition } from './workflow-definition.js';

/**
 * The agents a workflow names outright (`call: { agent: … }`) and cannot run
 * without: every call step's agent, except inside a `fallback`, whose
 * branches are alternatives (a missing one is what the fallback is for).
 * Steps that name a skill or tags are resolved through the registry at run
 * time and are not listed.
 */
export function requiredAgentsOf(workflow: Pick<WorkflowDefinition, 'steps'>): string[] {
  const names = new Set<string>();
  const visit = (step: Step): void => {
    switch (step.kind) {
      case 'call':
        if (step.call.agent !== undefined && step.call.skill === undefined && step.call.tags === undefined) names.add(step.call.agent);
        return;
      case 'sequence':
      case 'parallel':
        for (const inner of step.steps) visit(inner);
        return;
      case 'map':
        visit(step.step);
        return;
      case 'fallback':
        return;
    }
  };
  for (const step of workflow.steps) visit(step);
  return [...names];
}
