import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Errors } from '../../protocol/index.js';

/** Who is calling, as an authenticator sees it. */
export interface RegistryCaller {
  subject?: string;
  scopes: readonly string[];
  tenant?: string;
}

/**
 * Resolves the caller of a request, or `undefined` when it carries no
 * credentials. Throw AM_ERR_AUTH_UNAUTHENTICATED for bad ones. The gateway
 * plugs its token verification in here.
 */
export type RegistryAuthenticate = (request: FastifyRequest) => Promise<RegistryCaller | undefined>;

/** Scope every registry write needs. */
export const REGISTRY_WRITE_SCOPE = 'registry:write';

/**
 * A static bearer token (REGISTRY_TOKEN) that grants `registry:write`:
 * the standalone registry's protection until the gateway fronts it.
 */
export function staticTokenAuthenticate(token: string): RegistryAuthenticate {
  const expected = createHash('sha256').update(token).digest();
  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match ? createHash('sha256').update(match[1]!).digest() : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      throw Errors.registryTokenInvalid({}, { details: { scheme: 'Bearer' } });
    }
    return { subject: 'registry-token', scopes: [REGISTRY_WRITE_SCOPE] };
  };
}

/** Refuses a write unless the caller holds `registry:write` (no authenticator: writes are open). */
export async function requireWrite(request: FastifyRequest, authenticate: RegistryAuthenticate | undefined): Promise<RegistryCaller | undefined> {
  if (!authenticate) return undefined;
  const caller = await authenticate(request);
  if (!caller) {
    throw Errors.registryWriteNeedsToken({ scope: REGISTRY_WRITE_SCOPE });
  }
  if (!caller.scopes.includes(REGISTRY_WRITE_SCOPE)) {
    throw Errors.registryWriteNeedsScope({ scope: REGISTRY_WRITE_SCOPE });
  }
  return caller;
}
