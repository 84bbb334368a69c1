/**
 * orchestrator/workflow: workflow definitions — the file format (YAML or
 * JSON, `schemas/workflow.schema.json`), the loader with located errors,
 * the template expression language, and the inputs check. The engine runs
 * what this folder returns; see docs/workflows.md.
 */
export type {
  WorkflowDefinition,
  WorkflowInput,
  Step,
  StepBase,
  CallStep,
  SequenceStep,
  ParallelStep,
  MapStep,
  FallbackStep,
  CallTarget,
  JoinPolicy,
  RetryPolicy,
  MapFailurePolicy,
  StepResult,
  StepsInView,
  TemplateScope,
  Template,
} from './workflow-definition.js';
export { parseWorkflow, parseWorkflowObject, loadWorkflowFile, loadWorkflowFolder, WORKFLOW_FILE_EXTENSIONS } from './load-workflow.js';
export type { ParseWorkflowOptions, WorkflowFolder } from './load-workflow.js';
export { WorkflowInvalidError, formatIssue } from './workflow-issues.js';
export type { WorkflowIssue } from './workflow-issues.js';
export { WORKFLOW_SCHEMA } from './workflow-schema.js';
export { WORKFLOW_DEFAULTS } from './build-definition.js';
export { validateWorkflowInputs, workflowInputSchema } from './input-validation.js';
export { compileTemplate, compileExpression, evaluateCondition } from './expressions.js';
export type { CompiledTemplate, CompiledExpression, StepsRead, TemplateReferences } from './expressions.js';
export { parseDuration, MAX_DURATION_MS } from './duration.js';
export { MAX_WORKFLOW_BYTES } from './yaml-source.js';
export { workflowOutline, MAX_OUTLINE_STEPS } from './workflow-outline.js';
export type { OutlineStep } from './workflow-outline.js';
export { requiredAgentsOf } from './named-agents.js';
