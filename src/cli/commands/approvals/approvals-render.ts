/** How `agentmesh approvals …` prints what the gateway answers, for a person (`--json` prints the answers as they are). */
import type { ApprovalListAnswer, ApprovalRuleView, ApprovalView } from '../../../contracts/approvals/index.js';
import { formatCredits } from '../../../tenancy/index.js';
import { fields, table } from '../agents/agents-render.js';

export function formatApprovalList(answer: ApprovalListAnswer): string {
  if (answer.approvals.length === 0) return 'no approvals\n';
  const rows = answer.approvals.map((a) => [a.id, a.state, a.tenant, a.skill === undefined ? a.agent : `${a.agent}/${a.skill}`, a.chain.join(' → '), formatCredits(a.milliCredits), a.expiresAt, a.reason]);
  return table(['ID', 'STATE', 'TENANT', 'AGENT', 'CALLER', 'CREDITS', 'EXPIRES', 'REASON'], rows) + (answer.next !== undefined ? `more: --before ${answer.next}\n` : '');
}

export function formatApproval(a: ApprovalView): string {
  return fields([
    ['id', a.id],
    ['state', a.state],
    ['tenant', a.tenant],
    ['agent', a.agent],
    ['skill', a.skill],
    ['caller', a.chain.join(' → ')],
    ['reason', a.reason],
    ['rule', a.rule],
    ['approver', `a principal of ${a.tenant} with ${a.approverScope}`],
    ['credits', `${formatCredits(a.milliCredits)} held until decided`],
    ['created', a.createdAt],
    ['expires', a.expiresAt],
    ['decided', a.decidedBy === undefined ? undefined : `${a.decidedBy} at ${a.decidedAt ?? '?'}${a.decisionReason ? `: ${a.decisionReason}` : ''}`],
    ['task', a.taskId],
    ['message', a.message === undefined ? undefined : JSON.stringify(a.message, null, 2)],
  ]);
}

export function formatDecision(a: ApprovalView): string {
  switch (a.state) {
    case 'approved':
      return `approved ${a.id}: sent to ${a.agent}${a.taskId !== undefined ? ` as task ${a.taskId}` : ''}${a.outcome?.state !== undefined ? ` (${a.outcome.state})` : ''}\n`;
    case 'forwarding':
      return `approved ${a.id}: ${a.agent} did not answer yet; the gateway sends it again until it does\n`;
    default:
      return `${a.state} ${a.id}${a.decisionReason ? `: ${a.decisionReason}` : ''}; its hold of ${formatCredits(a.milliCredits)} credits is released\n`;
  }
}

export function formatRules(rules: readonly ApprovalRuleView[]): string {
  if (rules.length === 0) return 'no approval rules\n';
  const rows = rules.map((r) => [r.id, r.source, r.agent ?? '*', r.skill ?? '*', r.tenant ?? '*', r.condition ?? '', r.approverScope, `${Math.round(r.expiresAfterMs / 60_000)} min`]);
  return table(['ID', 'FROM', 'AGENT', 'SKILL', 'TENANT', 'CONDITION', 'APPROVER', 'EXPIRES'], rows);
}
