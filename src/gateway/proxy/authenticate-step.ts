import { Errors } from '../../protocol/index.js';
import { GATEWAY_DELEGATE_SCOPE } from '../identity/index.js';
import { checkDelegation, delegationOf, ON_BEHALF_OF_TENANT } from './delegation.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * Who is calling: a bearer token, an API key or an external issuer's JWT
 * (401 when none verifies), then, for a client trusted to act for other
 * tenants, whom it acts for. From here on the principal is the tenant's.
 */
export async function authenticateStep(c: GatewayCall, d: ProxyDeps): Promise<void> {
  let principal = await d.identity.authenticate(c.request);
  if (!principal) {
    c.audit.eventType = 'auth.denied';
    throw Errors.agentNeedsCredential({}, { details: { reason: 'missing' } });
  }
  c.audit.actor = { kind: principal.kind, id: principal.clientId };
  c.audit.tenant = principal.tenant;
  c.audit.user = principal.subject;
  const delegation = delegationOf(c.request);
  if (delegation) {
    // Only a client trusted to act for other tenants (the orchestrator) may name one.
    if (!principal.scopes.includes(GATEWAY_DELEGATE_SCOPE)) {
      c.audit.eventType = 'scope.denied';
      throw Errors.delegationNeedsScope({ header: ON_BEHALF_OF_TENANT, scope: GATEWAY_DELEGATE_SCOPE });
    }
    const { tenant, subject, scopes } = checkDelegation(delegation);
    // The actor stays the delegating client, so the trail shows who acted for whom.
    c.audit.detail = { delegatedBy: principal.clientId };
    // With the end user's scopes, the call may do only what both may do: the user cannot borrow the orchestrator's reach.
    principal = { ...principal, tenant, subject: subject ?? principal.subject, ...(scopes ? { scopes: principal.scopes.filter((s) => scopes.includes(s)) } : {}) };
    c.delegated = true;
    c.audit.tenant = principal.tenant;
    c.audit.user = principal.subject;
  }
  c.principal = principal;
}
