/**
 * orchestrator: the router agent and durable multi-agent workflows — an A2A
 * agent (hosted by the runtime, which it does not import) that hands messages to the best agent and
 * runs YAML/JSON workflows (sequence, parallel, map, fallback, retry,
 * timeout, when) whose runs survive a restart.
 */
// The runtime hosts the orchestrator agent: `createOrchestrator` (src/compose, `agentmesh/orchestrator`) puts them together.
export { planOrchestrator, openOrchestratorAgent } from './orchestrator.js';
export type { OrchestratorOptions, OrchestratorPlan, OrchestratorAgentParts } from './orchestrator.js';
export { parseOrchestratorConfig, orchestratorConfigSchema } from './config.js';
export type { OrchestratorConfig, OrchestratorConfigInput, HostSettings } from './config.js';
export { createOrchestratorAgent } from './orchestrator-agent.js';
export { WorkflowEngine } from './engine/workflow-engine.js';
export { RunStore } from './engine/run-store.js';
export type { RunRecord, StepRecord, RunStatus, StepStatus } from './engine/run-store.js';
export { RUN_EVENT_KEY, ROUTE_SKILL, RUN_WORKFLOW_SKILL, RUN_STEPS_SKILL, MAX_STEPS_PAGE, DEFAULT_STEPS_PAGE, OUTPUTS_ARTIFACT, STEPS_ARTIFACT } from './run-events.js';
export type { RunEvent, StepsPage, StepSummary } from './run-events.js';
export { createAgentCaller } from './calls/index.js';
export type { AgentCaller, ChildAttach, ChildCall, ChildOutcome, ChildReply, OnBehalfOf } from './calls/index.js';
export { parseWorkflow, parseWorkflowObject, loadWorkflowFile, loadWorkflowFolder, validateWorkflowInputs, workflowInputSchema, requiredAgentsOf } from './workflow/index.js';
export type { WorkflowDefinition, Step } from './workflow/workflow-definition.js';
export { decideRoute, RegistryReader, routableWorkflow, ROUTE_EXPLAIN_KEY } from './router/index.js';
export type { RouteDecision, RouteExplain, RouteCandidate, RoutableWorkflow } from './router/index.js';
