import { hashInput } from '../../audit/index.js';
import { Errors } from '../../protocol/index.js';
import { callTerms } from '../call-pricing.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';
import { agentNotFound } from './refusals.js';

/**
 * May this principal make this call: an agent closed to the tenant looks
 * absent; the operation's scope, the agent's required scopes and the
 * skill's must all be held. Prices the call on the way (the skill decides).
 */
export function authorizeStep(c: GatewayCall, _d: ProxyDeps): void {
  const principal = c.principal!;
  const route = c.route!;
  const call = c.call;
  const tenants = route.record.metadata.tenants ?? [];
  if (tenants.length > 0 && !tenants.includes(principal.tenant)) {
    c.audit.eventType = 'tenant.mismatch';
    throw agentNotFound(c.agent);
  }
  const terms = call.operation === 'SendMessage' || call.operation === 'SendStreamingMessage' ? callTerms(route.record, call.message) : undefined;
  const needed = [call.scope, ...(route.record.metadata.requiredScopes ?? []), ...(terms?.scopes ?? [])].filter((s): s is string => s !== undefined);
  const missing = [...new Set(needed)].filter((s) => !principal.scopes.includes(s));
  if (missing.length > 0) {
    c.audit.eventType = 'scope.denied';
    const values = { operation: call.operation, agent: c.agent, scope: missing.join(' ') };
    throw missing.length > 1 ? Errors.operationNeedsScopes(values) : Errors.operationNeedsScope(values);
  }
  c.terms = terms;
  c.audit.skill = terms?.skill;
  if (call.taskId !== undefined) c.audit.taskId = call.taskId;
  if (call.message) c.audit.inputHash = hashInput(call.message);
}
