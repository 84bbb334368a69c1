import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { SsrfGuard } from '../../http/index.js';
import { AgentmeshError, ErrorCodes, isAgentmeshError, errorMessage } from '../../protocol/index.js';

/** A public key the registry trusts for card signatures, found by its `kid`. */
export type TrustedKey = JWK & { kid: string };

/** Why a signature's key could not be had; the message is the reason shown to the submitter. */
function lookupFailed(reason: string, retryable = false): AgentmeshError {
  return new AgentmeshError(ErrorCodes.REGISTRY_CARD_SIGNATURE_INVALID, reason, { retryable });
}

/** What a signature's protected header says about its key. */
export interface KeyHint {
  kid: string;
  alg: string;
  jku?: string | undefined;
}

/**
 * Finds the public key a signature names, or throws
 * AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID whose message is the reason. One
 * resolver serves one card: key sets fetched for it are reused within it.
 */
export type KeyResolver = (hint: KeyHint) => Promise<CryptoKey | Uint8Array>;

/** A JWKS is small; a key set larger than this is not one. */
const MAX_JWKS_BYTES = 65_536;
/** The JWK without its private members (d, p, q, dp, dq, qi, oth, k): a verifier needs none, and a key set that leaks them is not trusted with them. */
function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...rest } = jwk;
  return rest;
}

async function importForAlg(jwk: JWK, hint: KeyHint, where: string): Promise<CryptoKey | Uint8Array> {
  if (jwk.use !== undefined && jwk.use !== 'sig') throw lookupFailed(`key ${JSON.stringify(hint.kid)} ${where} is for use "${jwk.use}", not signatures`);
  if (jwk.alg !== undefined && jwk.alg !== hint.alg) throw lookupFailed(`key ${JSON.stringify(hint.kid)} ${where} is for alg ${jwk.alg}, the signature says ${hint.alg}`);
  try {
    return await importJWK(publicPart(jwk), hint.alg);
  } catch (err) {
    throw lookupFailed(`key ${JSON.stringify(hint.kid)} ${where} cannot verify ${hint.alg}: ${errorMessage(err)}`);
  }
}

async function fetchKeySet(jku: string, guard: SsrfGuard, timeoutMs: number): Promise<JWK[]> {
  let response: Response;
  try {
    response = await guard.fetch(jku, { timeoutMs, maxBytes: MAX_JWKS_BYTES, headers: { accept: 'application/jwk-set+json, application/json' } });
  } catch (err) {
    const retryable = isAgentmeshError(err) && err.retryable;
    throw lookupFailed(`the key set at ${jku} could not be fetched: ${errorMessage(err)}`, retryable);
  }
  if (response.status !== 200) throw lookupFailed(`the key set at ${jku} answered HTTP ${response.status}`, response.status >= 500 || response.status === 429);
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    throw lookupFailed(`the key set at ${jku} is not JSON`);
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw lookupFailed(`the key set at ${jku} has no "keys" array (RFC 7517 §5)`);
  return keys.filter((k): k is JWK => typeof k === 'object' && k !== null);
}

/**
 * A resolver that looks the `kid` up in the trusted keys first, then in the
 * key set at the header's `jku` (fetched through the SSRF guard). Keys a
 * signature carries inline (`jwk`, `x5c`) are never used: the card would be
 * vouching for itself.
 */
export function createKeyResolver(options: { trustedKeys: readonly TrustedKey[]; guard: SsrfGuard; timeoutMs: number }): KeyResolver {
  const keySets = new Map<string, Promise<JWK[]>>();
  return async (hint) => {
    const trusted = options.trustedKeys.find((k) => k.kid === hint.kid);
    if (trusted !== undefined) return importForAlg(trusted, hint, 'in the trusted keys');
    if (hint.jku === undefined) throw lookupFailed(`unknown kid ${JSON.stringify(hint.kid)}: not among the trusted keys, and the signature names no jku`);
    let keys = keySets.get(hint.jku);
    if (keys === undefined) {
      keys = fetchKeySet(hint.jku, options.guard, options.timeoutMs);
      keySets.set(hint.jku, keys);
    }
    const jwk = (await keys).find((k) => k.kid === hint.kid);
    if (jwk === undefined) throw lookupFailed(`unknown kid ${JSON.stringify(hint.kid)}: not in the key set at ${hint.jku}`);
    return importForAlg(jwk, hint, `at ${hint.jku}`);
  };
}
