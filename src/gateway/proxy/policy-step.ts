import { Errors } from '../../protocol/index.js';
import { skillInputOf } from '../call-pricing.js';
import { delegationChain } from '../identity/index.js';
import { counterCellsRead, decide, entitiesOf, type CallFacts, type CounterCellRef, type CounterValues, type PolicyDecision, type CompiledPolicy, type CountedCall } from '../policies/index.js';
import { DEFAULT_APPROVER_SCOPE } from '../approvals/index.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/** How long a call a policy parks waits for a decision unless the policy says otherwise, ms (as an approval rule's). */
const DEFAULT_POLICY_APPROVAL_EXPIRY_MS = 3_600_000;

/**
 * Policies as code (docs/policies.md, ADR 0073), after the scopes, quotas,
 * validation and PII policy and before the approval gate: the policies whose
 * target covers the call are decided over its principal, action, resource
 * and context. A forbid (or permit policies none of which holds) refuses
 * the call; `permit_when_approved` hands it to the approval gate as the
 * rule that parks it; the audit entry names the deciding policies and their
 * versions. A call no policy targets costs an index lookup; the session
 * counters are fetched (and the call counted) only when a policy that
 * applies reads them.
 */
export function policyStep(c: GatewayCall, d: ProxyDeps): undefined | Promise<void> {
  const engine = d.policies;
  if (engine === undefined || engine.set.size === 0) return undefined;
  const call = c.call;
  const principal = c.principal!;
  const skill = c.terms?.skill ?? '';
  const applicable = engine.applicable({ tenant: principal.tenant, agent: c.agent, operation: call.operation, skill });
  if (applicable.length === 0) return undefined;
  const facts = factsOf(c, skill);
  const cells = counterCellsRead(applicable);
  if (cells.length === 0) {
    apply(c, decide(applicable, entitiesOf(facts, undefined, readsTime(applicable))));
    return undefined;
  }
  const counters = engine.counters;
  const counted: CountedCall = { tenant: principal.tenant, subject: principal.subject, contextId: facts.context.contextId, agent: c.agent, skill, milliCredits: c.terms?.milliCredits ?? 0 };
  const values = counters.count(counted, cells);
  // In memory the counters answer at once, and the call waits for no promise; through Redis, one round trip.
  if (!(values instanceof Promise)) return decideCounted(c, d, applicable, facts, counted, cells, values);
  return values.then((v) => decideCounted(c, d, applicable, facts, counted, cells, v));
}

/** Decides with the counters' values; a refusal takes the call back out of the counters and counts the denial. */
function decideCounted(c: GatewayCall, d: ProxyDeps, applicable: readonly CompiledPolicy[], facts: CallFacts, counted: CountedCall, cells: readonly CounterCellRef[], values: CounterValues): undefined | Promise<void> {
  const decision = decide(applicable, entitiesOf(facts, values, readsTime(applicable)));
  if (decision.outcome !== 'forbid' && decision.outcome !== 'unpermitted') {
    apply(c, decision);
    return undefined;
  }
  return d.policies!.counters.refused(counted, cells).then(() => apply(c, decision));
}

function readsTime(applicable: readonly CompiledPolicy[]): boolean {
  for (const p of applicable) if (p.condition?.readsTime === true) return true;
  return false;
}

/** The call as the entity model reads it. */
function factsOf(c: GatewayCall, skill: string): CallFacts {
  const call = c.call;
  const principal = c.principal!;
  const metadata = c.route!.record.metadata;
  const message = call.message;
  const contextId = message !== undefined && typeof message['contextId'] === 'string' ? message['contextId'] : '';
  return {
    principal: { client: principal.clientId, tenant: principal.tenant, subject: principal.subject, kind: principal.kind, scopes: principal.scopes, act: principal.act === undefined ? [] : delegationChain(principal).slice(1), issuer: principal.issuer },
    action: { operation: call.operation, skill, streaming: call.streaming },
    resource: { agent: c.agent, department: metadata.department, owner: metadata.owner, costCenter: metadata.costCenter, classification: metadata.dataClassification, tags: metadata.tags, price: (c.terms?.milliCredits ?? 0) / 1000 },
    context: { input: message === undefined ? null : skillInputOf(message), time: Date.now(), contextId },
  };
}

/** Audits the decision and carries it out: refuses, hands the call to the approval gate, or lets it on. */
function apply(c: GatewayCall, decision: PolicyDecision): void {
  if (decision.outcome === 'none' && decision.errors.length === 0) return;
  const refs = decision.policies.map((p) => p.ref);
  c.audit.detail = { ...c.audit.detail, policy: { outcome: decision.outcome, policies: refs, ...(decision.errors.length > 0 && { errors: decision.errors }) } };
  const first = decision.policies[0];
  if (decision.outcome === 'forbid') {
    c.audit.eventType = 'policy.forbidden';
    throw Errors.policyForbids({ reason: first!.record.reason ?? `policy ${first!.record.id}` }, { details: { policies: refs.join(' ') } });
  }
  if (decision.outcome === 'unpermitted') {
    c.audit.eventType = 'policy.forbidden';
    throw Errors.policyNotPermitted({ operation: c.call.operation, agent: c.agent }, { details: { policies: refs.join(' ') } });
  }
  if (decision.outcome !== 'approve') return;
  const call = c.call;
  // Only a new message send waits for an approval (as an approval rule's); a follow-up or a read of its task is the call it started.
  if ((call.operation !== 'SendMessage' && call.operation !== 'SendStreamingMessage') || call.message === undefined || call.message['taskId'] !== undefined) return;
  const r = first!.record;
  c.policyApproval = {
    id: first!.ref,
    ...(r.reason !== undefined && { reason: r.reason }),
    ...(r.condition !== undefined && { condition: r.condition }),
    approverScope: r.approverScope ?? DEFAULT_APPROVER_SCOPE,
    expiresAfterMs: r.expiresAfterMs ?? DEFAULT_POLICY_APPROVAL_EXPIRY_MS,
    source: 'api',
  };
}
