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
  const missing = missingScopes(principal.scopes, call.scope, route.record.metadata.requiredScopes, terms?.scopes);
  if (missing !== undefined) {
    c.audit.eventType = 'scope.denied';
    const values = { operation: call.operation, agent: c.agent, scope: missing.join(' ') };
    throw missing.length > 1 ? Errors.operationNeedsScopes(values) : Errors.operationNeedsScope(values);
  }
  c.terms = terms;
  c.audit.skill = terms?.skill;
  if (call.taskId !== undefined) c.audit.taskId = call.taskId;
  // Its hash for the audit entry is computed off the request's path (GatewayCall.hashInput).
  if (call.message) c.unhashedInput = call.message;
}

/**
 * The scopes among the operation's, the agent's and the skill's that the
 * caller does not hold, each once, in that order; undefined when it holds
 * them all. No array is built on that path: it runs on every call
 * (CONTRIBUTING.md, "Hot paths").
 */
function missingScopes(held: readonly string[], operation: string | undefined, agent: readonly string[] | undefined, skill: readonly string[] | undefined): string[] | undefined {
  let missing = operation === undefined ? undefined : unheld(held, operation, undefined);
  if (agent !== undefined) for (const scope of agent) missing = unheld(held, scope, missing);
  if (skill !== undefined) for (const scope of skill) missing = unheld(held, scope, missing);
  return missing;
}

/** `missing`, with `scope` added when it is neither held nor already there. */
function unheld(held: readonly string[], scope: string, missing: string[] | undefined): string[] | undefined {
  if (held.includes(scope) || missing?.includes(scope) === true) return missing;
  if (missing === undefined) return [scope];
  missing.push(scope);
  return missing;
}
