/**
 * Approval gates (docs/approvals.md, ADR 0037): the rules, their
 * conditions, the parked calls and the decisions, and the admin API.
 * Internal to the gateway: its own door for the gateway's builders and the
 * proxy's step.
 */
export { ApprovalGate } from './approval-gate.js';
export type { ApprovalGateOptions, Approver, ParkInput } from './approval-gate.js';
export { ApprovalStore } from './approval-store.js';
export type { ApprovalRecord, ApprovalState, ParkedRequest } from './approval-store.js';
export { approvalRoutes } from './approval-routes.js';
export { approvalRuleSchema, DEFAULT_APPROVER_SCOPE } from './approval-rule.js';
export type { ApprovalRule, ApprovalRuleInput } from './approval-rule.js';
export { APPROVAL_METADATA_KEY } from './gate-task.js';
export { APPROVAL_EXTENSION_URI } from '../routing/index.js';
