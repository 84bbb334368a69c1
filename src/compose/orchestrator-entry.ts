/**
 * `agentmesh/orchestrator`: the orchestrator role as users embed it —
 * `createOrchestrator` (the orchestrator agent hosted by the runtime,
 * composed in `orchestrator.ts` here) and the role's own exports, its
 * configuration typed with the runtime's settings.
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { createOrchestrator } from './orchestrator.js';
export type { Orchestrator, OrchestratorOptions, OrchestratorConfigInput } from './orchestrator.js';
export {
  planOrchestrator,
  openOrchestratorAgent,
  parseOrchestratorConfig,
  orchestratorConfigSchema,
  createOrchestratorAgent,
  WorkflowEngine,
  RunStore,
  RUN_EVENT_KEY,
  ROUTE_SKILL,
  RUN_WORKFLOW_SKILL,
  OUTPUTS_ARTIFACT,
  STEPS_ARTIFACT,
  createAgentCaller,
  parseWorkflow,
  parseWorkflowObject,
  loadWorkflowFile,
  loadWorkflowFolder,
  validateWorkflowInputs,
  workflowInputSchema,
  requiredAgentsOf,
  decideRoute,
  RegistryReader,
  routableWorkflow,
  ROUTE_EXPLAIN_KEY,
} from '../orchestrator/index.js';
export type {
  OrchestratorPlan,
  OrchestratorAgentParts,
  OrchestratorConfig,
  HostSettings,
  RunRecord,
  StepRecord,
  RunStatus,
  StepStatus,
  RunEvent,
  StepSummary,
  AgentCaller,
  ChildAttach,
  ChildCall,
  ChildOutcome,
  ChildReply,
  OnBehalfOf,
  WorkflowDefinition,
  Step,
  RouteDecision,
  RouteExplain,
  RouteCandidate,
  RoutableWorkflow,
} from '../orchestrator/index.js';
