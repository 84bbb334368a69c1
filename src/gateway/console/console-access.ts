/**
 * Who may read the console's APIs, and what they see. A platform admin
 * (`gateway:admin`, the static admin token included) sees every tenant; a
 * caller with `console:read` sees its own tenant only. The rule is enforced
 * here, on the server: the browser only renders what these answers hold.
 */
import { ErrorCodes, isAgentmeshError } from '../../protocol/index.js';
import { GATEWAY_ADMIN_SCOPE, type CredentialCarrier, type Identity, type Principal } from '../identity/index.js';

/** Scope of the console's read APIs for a tenant's admin. */
export const CONSOLE_SCOPE = 'console:read';

/** A console caller: its principal, and whether it sees every tenant. */
export interface ConsoleViewer {
  principal: Principal;
  /** `gateway:admin`: every tenant. Otherwise only `principal.tenant`. */
  platform: boolean;
}

/** 401 without a credential, 403 with neither `gateway:admin` nor `console:read`. */
export async function consoleViewer(identity: Identity, request: CredentialCarrier): Promise<ConsoleViewer> {
  try {
    return { principal: await identity.requireScope(request, GATEWAY_ADMIN_SCOPE), platform: true };
  } catch (err) {
    // Only a missing scope falls through; a bad or absent credential is answered as is.
    if (!isAgentmeshError(err) || err.code !== ErrorCodes.AUTH_FORBIDDEN) throw err;
  }
  return { principal: await identity.requireScope(request, CONSOLE_SCOPE), platform: false };
}

/** Whether `viewer` may see something open to `tenants` (absent or empty: every tenant). */
export function mayView(viewer: ConsoleViewer, tenants: readonly string[] | undefined): boolean {
  return viewer.platform || tenants === undefined || tenants.length === 0 || tenants.includes(viewer.principal.tenant);
}
