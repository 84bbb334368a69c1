import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Errors, errorCode } from '../../protocol/index.js';

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
 * Scope a reviewer needs to approve or reject a held card change: not
 * implied by `registry:write`, so the writer of a change (a runtime
 * registering itself) cannot approve it.
 */
export const REGISTRY_REVIEW_SCOPE = 'registry:review';

/**
 * Static bearer tokens: `write` (REGISTRY_TOKEN) grants `registry:write`,
 * `review` (REGISTRY_REVIEW_TOKEN) grants `registry:review`: the standalone
 * registry's protection until the gateway fronts it. Each is compared as a
 * SHA-256 digest, in constant time.
 */
export function staticTokenAuthenticate(tokens: { write?: string | undefined; review?: string | undefined }): RegistryAuthenticate {
  const known = [
    ...(tokens.write !== undefined ? [{ digest: sha256(tokens.write), caller: { subject: 'registry-token', scopes: [REGISTRY_WRITE_SCOPE] } }] : []),
    ...(tokens.review !== undefined ? [{ digest: sha256(tokens.review), caller: { subject: 'registry-review-token', scopes: [REGISTRY_REVIEW_SCOPE] } }] : []),
  ];
  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match ? sha256(match[1]!) : undefined;
    // Every known digest is compared, matched or not: the time taken does not say which token came close.
    let found: RegistryCaller | undefined;
    for (const entry of known) if (given !== undefined && timingSafeEqual(given, entry.digest)) found ??= entry.caller;
    if (found === undefined) throw Errors.registryTokenInvalid({}, { details: { scheme: 'Bearer' } });
    return found;
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Refuses a review decision unless the caller holds `registry:review` (no
 * authenticator: open, as writes are). `denied` hears of each refusal, for
 * the audit trail.
 */
export async function requireReviewer(request: FastifyRequest, authenticate: RegistryAuthenticate | undefined, denied: (caller: RegistryCaller | undefined, code: string) => void): Promise<RegistryCaller | undefined> {
  if (!authenticate) return undefined;
  let caller: RegistryCaller | undefined;
  try {
    caller = await authenticate(request);
  } catch (err) {
    denied(undefined, errorCode(err) ?? 'AM_ERR_AUTH_UNAUTHENTICATED');
    throw err;
  }
  if (!caller) {
    const err = Errors.registryReviewNeedsToken({ scope: REGISTRY_REVIEW_SCOPE });
    denied(undefined, err.code);
    throw err;
  }
  if (!caller.scopes.includes(REGISTRY_REVIEW_SCOPE)) {
    const err = Errors.registryWriteNeedsScope({ scope: REGISTRY_REVIEW_SCOPE });
    denied(caller, err.code);
    throw err;
  }
  return caller;
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
