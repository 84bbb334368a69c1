/**
 * contracts/approvals: the approvals API (`/v1/approvals…`,
 * `/v1/approval-rules…`, docs/approvals.md) as it crosses the wire — the
 * request schemas the gateway validates with, and the answers the CLI and
 * the console read. Plain objects and types: loading it loads nothing else.
 *
 * @example
 * import type { ApprovalListAnswer } from '../contracts/approvals/index.js';
 */
export { APPROVAL_METADATA_KEY, APPROVAL_TASK_PREFIX, approvalIdParams, approvalListQuery, approvalDecisionBody } from './approvals-api.js';
export type { ApprovalStateName, ApprovalView, ApprovalListAnswer, ApprovalRuleView, ApprovalListParams, ApprovalDecisionRequest } from './approvals-api.js';
