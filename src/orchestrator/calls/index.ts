/**
 * orchestrator/calls: how the orchestrator talks A2A to other agents — the
 * {@link AgentCaller} contract and its implementation over A2A JSON-RPC
 * streams in the official SDK's wire types, through the gateway (the orchestrator's own OAuth client, on
 * behalf of the caller's tenant) or straight to instances.
 */
export { createAgentCaller } from './create-agent-caller.js';
export type { AgentCallerOptions } from './agent-caller-options.js';
export type { RetrySchedule } from './retry-schedule.js';
export { ON_BEHALF_OF_TENANT_HEADER, ON_BEHALF_OF_SUBJECT_HEADER, ON_BEHALF_OF_SCOPES_HEADER } from './call-route.js';
export type { AgentCaller, ChildAttach, ChildCall, ChildEvent, ChildOutcome, ChildReply, OnBehalfOf } from './agent-caller.js';
export { approvalReason, awaitApprovalDecision, isParkedForApproval } from './approval-wait.js';
export type { ParkedOutcome } from './approval-wait.js';
