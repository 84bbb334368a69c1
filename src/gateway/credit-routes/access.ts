/** Who may call the credit routes: a principal of the tenant reads its own credits; admins read any; top-ups need credits:admin. */
import type { FastifyRequest } from 'fastify';
import { Errors } from '../../protocol/index.js';
import { CREDITS_ADMIN_SCOPE, GATEWAY_ADMIN_SCOPE } from '../identity/index.js';

/** What the routes need to know of the caller; the gateway's Principal has these fields. */
export interface CreditsCaller {
  tenant: string;
  scopes: readonly string[];
  subject?: string;
}

/**
 * Resolves the caller of a request, or `undefined` when it carries no
 * credentials; throws AM_ERR_AUTH_UNAUTHENTICATED for bad ones.
 */
export type CreditsAuthenticate = (request: FastifyRequest) => Promise<CreditsCaller | undefined>;

/** The authenticated caller, or a 401. */
export async function requireCaller(request: FastifyRequest, authenticate: CreditsAuthenticate): Promise<CreditsCaller> {
  const caller = await authenticate(request);
  if (!caller) throw Errors.creditsNeedToken({}, { details: { reason: 'missing', scheme: 'Bearer' } });
  return caller;
}

/** Refuses (403) unless the caller belongs to `tenant` or holds an admin scope. */
export function requireReader(caller: CreditsCaller, tenant: string): void {
  if (caller.tenant === tenant || caller.scopes.includes(GATEWAY_ADMIN_SCOPE) || caller.scopes.includes(CREDITS_ADMIN_SCOPE)) return;
  throw Errors.creditsOfOtherTenant({ tenant, scope: GATEWAY_ADMIN_SCOPE });
}

/** Refuses (403) unless the caller holds credits:admin. */
export function requireTopUpScope(caller: CreditsCaller): void {
  if (caller.scopes.includes(CREDITS_ADMIN_SCOPE)) return;
  throw Errors.topUpNeedsScope({ scope: CREDITS_ADMIN_SCOPE });
}
