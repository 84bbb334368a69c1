import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { SsrfGuard } from '../../http/index.js';
import { isAgentmeshError, Errors, errorMessage } from '../../protocol/index.js';

/** A public key the registry trusts for card signatures, found by its `kid`. */
export type TrustedKey = JWK & { kid: string };


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
  if (jwk.use !== undefined && jwk.use !== 'sig') throw Errors.signatureKeyWrongUse({ kid: JSON.stringify(hint.kid), where, use: jwk.use });
  if (jwk.alg !== undefined && jwk.alg !== hint.alg) throw Errors.signatureKeyWrongAlg({ kid: JSON.stringify(hint.kid), where, keyAlg: jwk.alg, alg: hint.alg });
  try {
    return await importJWK(publicPart(jwk), hint.alg);
  } catch (err) {
    throw Errors.signatureKeyUnusable({ kid: JSON.stringify(hint.kid), where, alg: hint.alg, reason: errorMessage(err) });
  }
}

async function fetchKeySet(jku: string, guard: SsrfGuard, timeoutMs: number): Promise<JWK[]> {
  let response: Response;
  try {
    response = await guard.fetch(jku, { timeoutMs, maxBytes: MAX_JWKS_BYTES, headers: { accept: 'application/jwk-set+json, application/json' } });
  } catch (err) {
    const retryable = isAgentmeshError(err) && err.retryable;
    throw Errors.signatureKeySetUnfetched({ jku, reason: errorMessage(err) }, { retryable });
  }
  if (response.status !== 200) throw Errors.signatureKeySetAnswered({ jku, status: response.status }, { retryable: response.status >= 500 || response.status === 429 });
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    throw Errors.signatureKeySetNotJson({ jku });
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw Errors.signatureKeySetWithoutKeys({ jku });
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
    if (hint.jku === undefined) throw Errors.signatureKidUntrusted({ kid: JSON.stringify(hint.kid) });
    let keys = keySets.get(hint.jku);
    if (keys === undefined) {
      keys = fetchKeySet(hint.jku, options.guard, options.timeoutMs);
      keySets.set(hint.jku, keys);
    }
    const jwk = (await keys).find((k) => k.kid === hint.kid);
    if (jwk === undefined) throw Errors.signatureKidNotInSet({ kid: JSON.stringify(hint.kid), jku: hint.jku });
    return importForAlg(jwk, hint, `at ${hint.jku}`);
  };
}
