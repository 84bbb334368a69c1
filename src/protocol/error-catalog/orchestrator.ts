/** The orchestrator: workflow runs and their steps, the router, calls to agents. */
import { ErrorCodes } from '../errors.js';
import { declare } from './declare.js';

export const orchestratorErrors = {
  // the orchestrator
  orchestratorAgentUnknown: declare(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, 'No agent {agent} in the registry', { expose: true }),
  orchestratorAgentWithoutInstance: declare(ErrorCodes.GATEWAY_NO_HEALTHY_INSTANCE, 'Agent {agent} has no instance', { expose: true, retryable: true }),
  workflowEnded: declare(ErrorCodes.WORKFLOW_RUN_FAILED, 'Workflow {workflow} {status}: {reason}', { expose: true }),
  workflowResumeRefused: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: run {runId} {description}', { expose: true }),
  workflowNeedsTenant: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'A workflow runs on behalf of a tenant: call the orchestrator through the gateway', { expose: true }),
  routeNeedsTenant: declare(ErrorCodes.AUTH_UNAUTHENTICATED, "The request carries no tenant: call the orchestrator through the gateway (or configure the route skill's anonymousTenant).", { expose: true }),
  routeNoAgent: declare(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, 'No agent for this: {reason}. {hint}', { expose: true }),
  routeNoChoice: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'No choice could be read from the answers; answer with a number or one of {candidates}, or name the agent in message.metadata["agentmesh.route"].agent.', { expose: true }),
  routeWorkflowUnavailable: declare(ErrorCodes.CONFIG_INVALID, 'Workflow {workflow} fits, but this router cannot start it', { expose: true }),

  // workflow runs and their steps
  workflowStepFailed: declare(ErrorCodes.WORKFLOW_STEP_FAILED, '{path} failed', { expose: true }),
  workflowStepThrew: declare(ErrorCodes.WORKFLOW_STEP_FAILED, '{path}: {reason}', { expose: true }),
  workflowStepTimedOut: declare(ErrorCodes.WORKFLOW_STEP_TIMEOUT, 'timed out after {timeoutMs} ms', { expose: true }),
  workflowCallEnded: declare(ErrorCodes.WORKFLOW_STEP_FAILED, '{path}: {agent} {verb}: {error}', { expose: true }),
  workflowFallbackFailed: declare(ErrorCodes.WORKFLOW_FALLBACK_FAILED, 'every alternative failed: {errors}', { expose: true }),
  workflowFallbackNoneApplied: declare(ErrorCodes.WORKFLOW_FALLBACK_FAILED, 'no alternative applied (every when was false)', { expose: true }),
  workflowMapOverNotAList: declare(ErrorCodes.WORKFLOW_EXPRESSION, '{path}: map over {over} is {what}, not a list', { expose: true }),
  workflowMapFailed: declare(ErrorCodes.WORKFLOW_MAP_FAILED, '{path}: {failed} of {units} {unitsName} failed; {unitName} {index}: {error}', { expose: true }),
  // The reason the units still in flight are aborted with; they end canceled, and the map's own failure says why.
  workflowMapStopped: declare(ErrorCodes.WORKFLOW_MAP_FAILED, 'the map failed'),
  workflowParallelBranchFailed: declare(ErrorCodes.WORKFLOW_PARALLEL_FAILED, '{path}: a branch failed: {errors}', { expose: true }),
  workflowParallelNoneCompleted: declare(ErrorCodes.WORKFLOW_PARALLEL_FAILED, '{path}: no branch completed: {errors}', { expose: true }),
  workflowParallelQuorumMissed: declare(ErrorCodes.WORKFLOW_PARALLEL_FAILED, '{path}: {completed} of {branches} branches completed, quorum is {quorum}: {errors}', { expose: true }),
  // The reason the branches still running are canceled with once the join is decided (won or lost).
  workflowParallelDecided: declare(ErrorCodes.TASK_CANCELED, 'the parallel step is decided'),
  workflowRunOfAnotherTenant: declare(ErrorCodes.INTERNAL, 'run {runId} belongs to another tenant'),

  // the orchestrator, as configured
  orchestratorCannotReachAgents: declare(ErrorCodes.CONFIG_INVALID, 'orchestrator.gatewayUrl needs a value (GATEWAY_URL), or registryUrl (REGISTRY_URL): the orchestrator has no way to reach agents'),
  orchestratorCredentialsRefused: declare(ErrorCodes.CONFIG_INVALID, '{reason}: check ORCHESTRATOR_CLIENT_ID ({clientId}) and ORCHESTRATOR_CLIENT_SECRET (or ORCHESTRATOR_CLIENT_SECRET_FILE), the client the gateway at {gateway} issued'),
  workflowNeedsUnlistedAgents: declare(ErrorCodes.CONFIG_INVALID, "workflow {workflow} needs {agents}, which the registry does not list: nothing was run (register {them}, or take the workflow out of the orchestrator's folder)", { expose: true }),
  workflowNamedLikeBuiltIn: declare(ErrorCodes.CONFIG_INVALID, 'workflow {workflow} ({source}) has the name of a built-in skill; rename it', { expose: true }),
  workflowNotOffered: declare(ErrorCodes.CONFIG_INVALID, 'workflow {workflow} is not offered by this orchestrator', { expose: true }),
  workflowFolderUnreadable: declare(ErrorCodes.CONFIG_INVALID, 'workflow folder {dir} cannot be read: {reason}'),
  workflowCallBySkillNeedsRegistry: declare(ErrorCodes.CONFIG_INVALID, 'calling by skill ({skill}) needs the registry (REGISTRY_URL)', { expose: true }),
  routeSkillOptionInvalid: declare(ErrorCodes.CONFIG_INVALID, 'createRouteSkill: {option} {description}', { expose: true }),

  // workflow definitions and their data
  workflowInputsInvalid: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid inputs for workflow {workflow}: {problems}'),
  workflowTemplateInvalid: declare(ErrorCodes.WORKFLOW_INVALID, 'invalid template: {problems}'),
  workflowExpressionInvalid: declare(ErrorCodes.WORKFLOW_INVALID, 'invalid expression {expression}: {reason}', { details: ['expression'] }),
  workflowExpressionFailed: declare(ErrorCodes.WORKFLOW_EXPRESSION, 'expression {{ {expression} }}{where} failed: {reason}', { details: ['expression'] }),
  workflowDurationInvalid: declare(ErrorCodes.WORKFLOW_INVALID, 'invalid duration {quotedValue}: {hint}'),
  // Raised as WorkflowInvalidError, which keeps the problems themselves in `issues`.
  workflowDefinitionInvalid: declare(ErrorCodes.WORKFLOW_INVALID, 'Workflow {source} is invalid ({count}):\n{issues}', { details: ['source'] }),

  // calls to agents
  agentCallCancelInvalid: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'invalid cancel of a task of {agent}: {problem}'),
  routeTargetNotFound: declare(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, 'No agent to route to: {reason}. Name one with message.metadata["agentmesh.route"] = { agent, skill?, tags? }.', { expose: true }),
  routeChildEnded: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, '{agent} {verb}: {error}', { expose: true }),
  agentCallCancelFailed: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'Canceling task {taskId} of {agent} failed: {reason}', { expose: true }),
} as const;
