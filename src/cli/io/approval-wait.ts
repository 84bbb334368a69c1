/**
 * What a caller reads when the gateway parked its call for an approval
 * (docs/approvals.md, "What the caller sees"): the task waits in
 * AUTH_REQUIRED, but no credential of the caller's would move it. A person
 * holding the rule's approver scope decides; the call is sent (or rejected)
 * then, on its own. So the caller is told to wait, how to read where the call
 * got to, and where an approver decides it.
 */
import { APPROVAL_METADATA_KEY, APPROVAL_TASK_PREFIX } from '../../contracts/approvals/index.js';
import { isRecord } from '../../protocol/index.js';
import { gatewayAgentOf } from '../client/unknown-agent.js';
import { DEFAULT_GATEWAY_URL } from '../role-apis/gateway-client.js';

/** The approval a parked call waits for, as its task's metadata tells it. */
export interface ParkedApproval {
  /** The approval's id (the gated task's id): what `agentmesh approvals approve` takes. */
  id: string;
  reason?: string | undefined;
  approverScope?: string | undefined;
  /** ISO 8601: when the call ends rejected if no one decided. */
  expiresAt?: string | undefined;
}

/** The approval task `taskId` waits for, or undefined when it is not a call parked at a gateway. */
export function parkedApproval(taskId: string, metadata: unknown): ParkedApproval | undefined {
  const approval = isRecord(metadata) ? metadata[APPROVAL_METADATA_KEY] : undefined;
  if (!isRecord(approval) && !taskId.startsWith(APPROVAL_TASK_PREFIX)) return undefined;
  const text = (key: string) => (isRecord(approval) && typeof approval[key] === 'string' ? approval[key] : undefined);
  return { id: text('id') ?? taskId, reason: text('reason'), approverScope: text('approverScope'), expiresAt: text('expiresAt') };
}

/**
 * The lines for the caller of a parked call: it waits, how to follow it,
 * and how an approver decides.
 *
 * @example
 * approvalWaitLines('approval-01a2…', { id: 'approval-01a2…', reason: 'Payments above 1000 need a finance approval' }, 'http://localhost:4200/agents/payments');
 */
export function approvalWaitLines(taskId: string, approval: ParkedApproval, agentUrl: string): string {
  const gateway = gatewayAgentOf(agentUrl)?.gatewayUrl;
  const gatewayFlag = gateway === undefined || gateway === DEFAULT_GATEWAY_URL ? '' : ` --gateway ${gateway}`;
  const until = approval.expiresAt === undefined ? '' : `; without a decision by ${approval.expiresAt} it ends rejected`;
  return (
    `the call waits for a person's approval at the gateway${approval.reason === undefined ? '' : ` (${approval.reason})`}: nothing more is needed from you, and it is sent to the agent once approved${until}. See where it got to with:\n` +
    `  agentmesh tasks get ${agentUrl} ${taskId}\n` +
    `an approver (scope ${approval.approverScope ?? 'gateway:approve'}) decides it in the web console${gateway === undefined ? '' : ` (${gateway}/console/)`}, Approvals, or with:\n` +
    `  agentmesh approvals approve ${approval.id}${gatewayFlag}    (or: agentmesh approvals deny ${approval.id}${gatewayFlag} --reason "…")\n`
  );
}
