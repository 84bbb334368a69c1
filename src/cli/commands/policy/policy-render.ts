/** How `agentmesh policy …` prints what the gateway answers, for a person (`--json` prints the answers as they are). */
import type { PolicyExplainAnswer, PolicyTestAnswer, PolicyView } from '../../../contracts/policies/index.js';
import { fields, table } from '../agents/agents-render.js';

function targetOf(p: PolicyView): string {
  const t = p.target;
  const parts = [t.agent ?? '*', t.skill === undefined ? undefined : `skill ${t.skill}`, t.operation].filter((x) => x !== undefined);
  return parts.join(' ');
}

export function formatPolicyList(policies: readonly PolicyView[]): string {
  if (policies.length === 0) return 'no policies\n';
  return table(['ID', 'TENANT', 'VERSION', 'EFFECT', 'TARGET', 'CONDITION'], policies.map((p) => [p.id, p.tenant ?? '(platform)', String(p.version), p.effect, targetOf(p), p.condition ?? '(always)']));
}

export function formatPolicy(p: PolicyView): string {
  return fields([
    ['id', p.id],
    ['tenant', p.tenant ?? '(platform-wide)'],
    ['version', `${p.version}${p.deleted === true ? ' (deleted)' : ''}`],
    ['effect', p.effect],
    ['target', targetOf(p)],
    ['condition', p.condition],
    ['reason', p.reason],
    ['approver', p.approverScope],
    ['expires after', p.expiresAfterMs === undefined ? undefined : `${p.expiresAfterMs / 60_000} min`],
    ['comment', p.comment],
    ['written', `${new Date(p.createdAt).toISOString()} by ${p.createdBy}`],
  ]);
}

export function formatVersions(versions: readonly PolicyView[]): string {
  return table(['VERSION', 'WRITTEN', 'BY', 'EFFECT', 'CONDITION', 'COMMENT'], versions.map((p) => [String(p.version), new Date(p.createdAt).toISOString(), p.createdBy, p.deleted === true ? '(deleted)' : p.effect, p.condition ?? '(always)', p.comment ?? '']));
}

const OUTCOME_WORDS: Record<string, string> = {
  forbid: 'forbidden',
  approve: 'waits for an approval',
  permit: 'permitted',
  unpermitted: 'refused: no permit policy holds',
  none: 'no policy applies: the scopes decide',
};

export function formatTest(answer: PolicyTestAnswer): string {
  const lines = [`${OUTCOME_WORDS[answer.outcome] ?? answer.outcome}${answer.policies.length > 0 ? ` by ${answer.policies.join(', ')}` : ''}`];
  if (answer.applicable.length > 0) lines.push(`applicable: ${answer.applicable.join(', ')}`);
  for (const e of answer.errors ?? []) lines.push(`did not apply (error): ${e.ref}: ${e.message}`);
  return `${lines.join('\n')}\n`;
}

export function formatExplain(answer: PolicyExplainAnswer): string {
  const head = fields([
    ['audit row', String(answer.seq)],
    ['time', answer.time],
    ['call', [answer.method, answer.agent === undefined ? undefined : `on ${answer.agent}`, answer.tenant === undefined ? undefined : `for ${answer.tenant}`].filter((x) => x !== undefined).join(' ')],
    ['event', `${answer.eventType} (${answer.outcome})`],
    ['decision', `${OUTCOME_WORDS[answer.decision.outcome] ?? answer.decision.outcome}${answer.decision.policies.length > 0 ? ` by ${answer.decision.policies.join(', ')}` : ''}`],
  ]);
  const policies = answer.policies.map((p) => `\n${formatPolicy(p)}`).join('');
  return head + policies;
}
