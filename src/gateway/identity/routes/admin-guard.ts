import { createHash, timingSafeEqual } from 'node:crypto';
import { Errors, type AgentmeshError } from '../../../protocol/index.js';
import type { CredentialCarrier } from '../authenticator.js';
import { CREDITS_ADMIN_SCOPE, GATEWAY_ADMIN_SCOPE, type Principal } from '../principal.js';

/** Resolves a request's caller and checks one scope: 401 without credentials, 403 without the scope. */
export type RequireScope = (request: CredentialCarrier, scope: string) => Promise<Principal>;

/** The principal of the static admin token: no tenant (it matches none), admin scopes only. */
const BOOTSTRAP_ADMIN: Principal = Object.freeze({ kind: 'client', subject: 'bootstrap-admin-token', clientId: 'bootstrap-admin-token', tenant: '', scopes: Object.freeze([GATEWAY_ADMIN_SCOPE, CREDITS_ADMIN_SCOPE]) as string[] });

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Builds the scope check of the management APIs. A bearer equal to the
 * configured admin token (compared in constant time, through fixed-length
 * digests) is the bootstrap administrator, holding `gateway:admin` and
 * `credits:admin`; anything else goes through `authenticate`.
 */
export function createRequireScope(options: { adminToken: string | undefined; authenticate: (request: CredentialCarrier) => Promise<Principal | undefined> }): RequireScope {
  const expected = options.adminToken === undefined ? undefined : digest(options.adminToken);
  return async (request, scope) => {
    if (expected !== undefined) {
      const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
      if (match !== null && timingSafeEqual(digest(match[1]!), expected)) {
        if (BOOTSTRAP_ADMIN.scopes.includes(scope)) return BOOTSTRAP_ADMIN;
        throw forbidden(scope);
      }
    }
    const principal = await options.authenticate(request);
    if (principal === undefined) {
      throw Errors.adminNeedsCredential({ scope }, { details: { reason: 'missing', scheme: 'Bearer' } });
    }
    if (!principal.scopes.includes(scope)) throw forbidden(scope);
    return principal;
  };
}

function forbidden(scope: string): AgentmeshError {
  return Errors.missingScope({ scope });
}
