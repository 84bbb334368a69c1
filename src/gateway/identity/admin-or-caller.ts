import { Errors } from '../../protocol/index.js';
import type { CredentialCarrier } from './authenticator.js';
import type { Identity } from './identity.js';
import { GATEWAY_ADMIN_SCOPE, type Principal } from './principal.js';

/** The caller of a management API, and whether it acts for every tenant. */
export interface TenantScopedCaller {
  principal: Principal;
  /** `gateway:admin` (the static admin token included): every tenant. Otherwise only `principal.tenant`. */
  admin: boolean;
}

/**
 * The caller of a management request that a platform admin makes for every tenant and another
 * principal for its own (approvals, policies): 401 without a credential; what else a non-admin
 * must hold is the route's to check.
 */
export async function adminOrCaller(request: CredentialCarrier, identity: Identity): Promise<TenantScopedCaller> {
  try {
    return { principal: await identity.requireScope(request, GATEWAY_ADMIN_SCOPE), admin: true };
  } catch {
    const principal = await identity.authenticate(request);
    if (principal === undefined) throw Errors.agentNeedsCredential({}, { details: { reason: 'missing', scheme: 'Bearer' } });
    return { principal, admin: false };
  }
}
