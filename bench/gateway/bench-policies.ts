/**
 * The 20 policies the gateway's benches load (docs/policies.md, "What it
 * costs"): ten an enterprise writes for agents other than the bench's (the
 * index by target passes them over without evaluating them), and ten that
 * cover the bench's call (`bench`, skill `echo`, a SendMessage of tenant
 * `bench-tenant`) and are decided on it, none of which refuses it. With
 * `counters`, one more reads a session counter, so each call is counted
 * and its counters read (in memory here; Redis on a fleet).
 */
import { compilePolicy, PolicySet, SessionCounters, validatePolicy, type PolicyInput } from '../../src/gateway/policies/index.js';

export const BENCH_POLICIES: readonly PolicyInput[] = [
  // Other agents: never evaluated on the bench's call.
  { id: 'no-big-refunds', effect: 'forbid', target: { agent: 'payments', skill: 'refund' }, condition: 'context.input.amount > 1000' },
  { id: 'three-refunds-a-day', effect: 'forbid', target: { agent: 'payments', skill: 'refund' }, condition: 'context.calls.principal.day >= 3' },
  { id: 'payments-need-finance', effect: 'permit_when_approved', target: { agent: 'payments' }, condition: 'resource.price > 50.0' },
  { id: 'hr-only', effect: 'permit', target: { agent: 'hr' }, condition: '"hr:use" in principal.scopes' },
  { id: 'hr-office-hours', effect: 'forbid', target: { agent: 'hr' }, condition: 'context.time.getHours() < 7 || context.time.getHours() >= 19' },
  { id: 'contracts-legal', effect: 'permit_when_approved', target: { agent: 'contracts', skill: 'send' }, condition: 'context.input.value > 100000' },
  { id: 'crm-export-limit', effect: 'forbid', target: { agent: 'crm', skill: 'export' }, condition: 'context.spend.tenant.day > 500.0' },
  { id: 'search-quota', effect: 'forbid', target: { agent: 'search' }, condition: 'context.calls.tenant.minute >= 600' },
  { id: 'legal-no-delegation', effect: 'forbid', target: { agent: 'legal' }, condition: 'size(principal.act) > 0' },
  { id: 'ops-cancel-only-ops', effect: 'forbid', target: { agent: 'ops', operation: 'CancelTask' }, condition: '!("ops" in principal.scopes)' },
  // The bench's call: decided on every call, none refusing it.
  { id: 'restricted-needs-scope', effect: 'forbid', condition: 'resource.classification == "restricted" && !("restricted:use" in principal.scopes)' },
  { id: 'no-deep-delegation', effect: 'forbid', condition: 'size(principal.act) > 3' },
  { id: 'no-external-on-confidential', effect: 'forbid', condition: 'principal.kind == "external" && resource.classification == "confidential"' },
  { id: 'dear-calls-need-approval', effect: 'permit_when_approved', condition: 'resource.price >= 1000.0' },
  { id: 'suspended-tenant', effect: 'forbid', condition: 'principal.tenant == "suspended-co"' },
  { id: 'blocked-clients', effect: 'forbid', condition: 'principal.client in ["leaked-1", "leaked-2", "leaked-3"]' },
  { id: 'bench-senders', effect: 'permit', target: { agent: 'bench' }, condition: '"a2a:message:send" in principal.scopes || "a2a" in principal.scopes' },
  { id: 'echo-text-size', effect: 'forbid', target: { agent: 'bench', skill: 'echo' }, condition: 'type(context.input) == string && size(context.input) > 10000' },
  { id: 'no-streaming-for-free-tier', effect: 'forbid', target: { operation: 'SendStreamingMessage' }, condition: 'principal.tenant.startsWith("free-")' },
  { id: 'only-known-skills', effect: 'forbid', condition: 'action.skill != "" && !(action.skill in ["echo", "score"])' },
];

/** With `counters`: one more policy, reading the caller's calls this minute. */
export const BENCH_COUNTER_POLICY: PolicyInput = { id: 'bench-rate', effect: 'forbid', target: { agent: 'bench' }, condition: 'context.calls.principal.minute > 100000000' };

/** What `policyStep` reads of the gateway's PolicyEngine, over the bench's policies. */
export function benchPolicies(counters: boolean): { set: PolicySet; applicable: PolicySet['applicable']; counters: SessionCounters } {
  const inputs = counters ? [...BENCH_POLICIES, BENCH_COUNTER_POLICY] : BENCH_POLICIES;
  const set = new PolicySet(inputs.map((input) => compilePolicy({ ...validatePolicy(input), version: 1, createdAt: 0, createdBy: 'bench' })));
  return { set, applicable: (t) => set.applicable(t), counters: new SessionCounters() };
}
