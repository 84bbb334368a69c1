/** The approvals API (`/v1/approvals…`, `/v1/approval-rules…`, docs/approvals.md) as it crosses the wire. */

/**
 * The prefix of a gated task's id (`approval-<uuid>`): a task in
 * AUTH_REQUIRED with such an id waits for a person's approval at the
 * gateway, and moves on its own once decided (ADR 0037).
 */
export const APPROVAL_TASK_PREFIX = 'approval-';

/**
 * The metadata key of a gated task: `{ id, state, reason, rule,
 * approverScope, expiresAt }`, and once decided `decidedBy`,
 * `decisionReason` and `taskId` (docs/approvals.md, "What the caller sees").
 */
export const APPROVAL_METADATA_KEY = 'agentmesh.approval';

/** The states of a parked call. */
export type ApprovalStateName = 'pending' | 'forwarding' | 'approved' | 'denied' | 'expired' | 'canceled';

/** One parked call, as an approver reads it. */
export interface ApprovalView {
  id: string;
  state: ApprovalStateName;
  tenant: string;
  agent: string;
  skill?: string;
  rule: string;
  reason: string;
  approverScope: string;
  /** The top caller (the token's subject), and the clients that acted for it, top caller first. */
  caller: string;
  chain: string[];
  /** The estimate held, milli-credits. */
  milliCredits: number;
  createdAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
  /** The agent's task, once the approved call was sent. */
  taskId?: string;
  outcome?: { state?: string; status?: number; error?: string };
  /** The message the call sends (shown only by `show`, never in lists). */
  message?: unknown;
}

export interface ApprovalListAnswer {
  approvals: ApprovalView[];
  /** Pass as `before` for the next page; absent on the last. */
  next?: string;
}

/** An approval rule as the API shows it. */
export interface ApprovalRuleView {
  id: string;
  agent?: string;
  skill?: string;
  tenant?: string;
  condition?: string;
  reason?: string;
  approverScope: string;
  expiresAfterMs: number;
  source: 'config' | 'api';
}

export const approvalIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const approvalListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['pending', 'forwarding', 'approved', 'denied', 'expired', 'canceled'] },
    tenant: { type: 'string', minLength: 1, maxLength: 200 },
    agent: { type: 'string', minLength: 1, maxLength: 200 },
    before: { type: 'string', pattern: '^[0-9]{1,16}$' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export interface ApprovalListParams {
  state?: ApprovalStateName;
  tenant?: string;
  agent?: string;
  before?: string;
  limit: number;
}

export const approvalDecisionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

export interface ApprovalDecisionRequest {
  reason?: string;
}
