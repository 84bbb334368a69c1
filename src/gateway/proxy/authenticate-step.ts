import { annotateRequestSpan, ATTR_AGENTMESH_ACTORS } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';
import { delegationChain, GATEWAY_ADMIN_SCOPE, GATEWAY_DELEGATE_SCOPE, type Principal } from '../identity/index.js';
import { checkDelegation, delegationOf, ON_BEHALF_OF_TENANT } from './delegation.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * Who is calling: a bearer token, an API key or an external issuer's JWT
 * (401 when none verifies). A token from a token exchange (RFC 8693) is the
 * top caller's, acted on by the client that exchanged it: its chain goes to
 * the audit entry and the request's span (ADR 0036). The delegation headers
 * name a tenant for a platform admin only. From here on the principal is the
 * tenant's.
 */
export function authenticateStep(c: GatewayCall, d: ProxyDeps): Promise<void> | undefined {
  // A token seen before is answered without a promise: the step then returns none, and the pipeline waits for nothing.
  const found = d.identity.authenticateNow(c.request);
  if (found instanceof Promise) return found.then((principal) => admit(c, principal));
  admit(c, found);
  return undefined;
}

function admit(c: GatewayCall, found: Principal | undefined): void {
  let principal = found;
  if (!principal) {
    c.audit.eventType = 'auth.denied';
    throw Errors.agentNeedsCredential({}, { details: { reason: 'missing' } });
  }
  c.audit.actor = { kind: principal.kind, id: principal.clientId };
  c.audit.tenant = principal.tenant;
  c.audit.user = principal.subject;
  if (principal.act !== undefined) {
    // The actor is the client acting now; `user` the top caller; `detail.act` the whole chain, as the token carries it.
    c.delegated = true;
    c.audit.detail = { act: principal.act };
    annotateRequestSpan({ [ATTR_AGENTMESH_ACTORS]: delegationChain(principal) });
  }
  const delegation = delegationOf(c.request);
  if (delegation) {
    // Only a client trusted to delegate may use the headers, and only a platform admin may name another tenant with them.
    if (!principal.scopes.includes(GATEWAY_DELEGATE_SCOPE)) {
      c.audit.eventType = 'scope.denied';
      throw Errors.delegationNeedsScope({ header: ON_BEHALF_OF_TENANT, scope: GATEWAY_DELEGATE_SCOPE });
    }
    const { tenant, subject, scopes } = checkDelegation(delegation);
    if (tenant !== principal.tenant && !principal.scopes.includes(GATEWAY_ADMIN_SCOPE)) {
      c.audit.eventType = 'scope.denied';
      throw Errors.delegationOtherTenantNeedsAdmin({ header: ON_BEHALF_OF_TENANT, scope: GATEWAY_ADMIN_SCOPE });
    }
    // The actor stays the delegating client, so the trail shows who acted for whom.
    c.audit.detail = { ...c.audit.detail, delegatedBy: principal.clientId };
    // With the end user's scopes, the call may do only what both may do: the user cannot borrow the client's reach.
    principal = { ...principal, tenant, subject: subject ?? principal.subject, ...(scopes ? { scopes: principal.scopes.filter((s) => scopes.includes(s)) } : {}) };
    c.delegated = true;
    c.audit.tenant = principal.tenant;
    c.audit.user = principal.subject;
  }
  c.principal = principal;
}
