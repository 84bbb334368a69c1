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
 * AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID whose message is the reason.
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

interface FetchedKeySet {
  keys: JWK[];
  /** How long the response says it may be reused, within the cache's bounds. */
  ttlMs: number;
}

/**
 * The reuse time a JWKS response allows: its Cache-Control max-age, raised
 * to the floor (a registration burst of one host's cards shares one fetch
 * even from a server that says no-cache) and capped at the ceiling (a key
 * withdrawn by its owner is dropped within minutes whatever it said).
 */
function reuseMs(response: Response, bounds: KeySetCacheBounds): number {
  const header = response.headers.get('cache-control') ?? '';
  if (/(?:^|,)\s*(?:no-store|no-cache)\b/i.test(header)) return bounds.minTtlMs;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header);
  if (maxAge === null) return bounds.defaultTtlMs;
  return Math.min(bounds.maxTtlMs, Math.max(bounds.minTtlMs, Number(maxAge[1]) * 1000));
}

async function fetchKeySet(jku: string, guard: SsrfGuard, timeoutMs: number, bounds: KeySetCacheBounds): Promise<FetchedKeySet> {
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
  return { keys: keys.filter((k): k is JWK => typeof k === 'object' && k !== null), ttlMs: reuseMs(response, bounds) };
}

/** How long fetched key sets are reused, in ms. */
export interface KeySetCacheBounds {
  /** Reuse time when the response says no-cache, no-store or a max-age below it. */
  minTtlMs: number;
  /** Reuse time when the response has no max-age. */
  defaultTtlMs: number;
  /** Longest reuse, whatever max-age says. */
  maxTtlMs: number;
  /** Shortest time between two fetches of one URL caused by an unknown kid. */
  refetchCooldownMs: number;
  /** Most key-set URLs remembered; the oldest is forgotten first. */
  maxSets: number;
}

export const KEY_SET_CACHE_DEFAULTS: Readonly<KeySetCacheBounds> = Object.freeze({
  minTtlMs: 5_000,
  defaultTtlMs: 60_000,
  // A key withdrawn from a set still verifies cards while the set is reused: two minutes at most, whatever a host asks.
  maxTtlMs: 120_000,
  refetchCooldownMs: 5_000,
  maxSets: 256,
});

interface CacheEntry {
  /** The fetch under way, or the settled key set. */
  pending?: Promise<FetchedKeySet> | undefined;
  keys?: JWK[];
  /** When a fetch last started: the cooldown counts from it, so failing refetches are rate-limited too. */
  attemptedAt: number;
  expiresAt: number;
}

/**
 * The key sets fetched for card signatures, shared by every card the intake
 * admits: a host registering its agents signs each card with one key set,
 * and fetching that set once per card made registrations queue behind N
 * fetches of the same document. Concurrent fetches of one URL share one
 * request; a set is reused for its Cache-Control max-age within
 * {@link KeySetCacheBounds}; a kid missing from a reused set refetches it
 * once the cooldown allows (a key rotation), and a failed fetch is kept by
 * nobody: the next card tries again.
 *
 * jose's createRemoteJWKSet caches too, but with one fixed max age per set
 * (no Cache-Control), its own key selection whose generic errors would lose
 * the reasons the intake reports (status, use, alg, unusable key), and no
 * bound on how many sets a registry keeps.
 */
export interface KeySetCache {
  /** The keys at `jku`, fetched through the SSRF guard unless a fresh copy is held; `refetch` asks for a newer one (an unknown kid). */
  keysAt(jku: string, options?: { refetch?: boolean }): Promise<JWK[]>;
}

export function createKeySetCache(options: { guard: SsrfGuard; timeoutMs: number; bounds?: Partial<KeySetCacheBounds> }): KeySetCache {
  const bounds: KeySetCacheBounds = { ...KEY_SET_CACHE_DEFAULTS, ...options.bounds };
  const entries = new Map<string, CacheEntry>();

  const fetchInto = (jku: string, entry: CacheEntry | undefined): Promise<FetchedKeySet> => {
    const pending = fetchKeySet(jku, options.guard, options.timeoutMs, bounds);
    const held: CacheEntry = entry ?? { attemptedAt: 0, expiresAt: 0 };
    held.pending = pending;
    held.attemptedAt = Date.now();
    if (entry === undefined) {
      if (entries.size >= bounds.maxSets) entries.delete(entries.keys().next().value!);
      entries.set(jku, held);
    }
    pending.then(
      (fetched) => {
        if (held.pending !== pending) return;
        held.pending = undefined;
        held.keys = fetched.keys;
        held.expiresAt = Date.now() + fetched.ttlMs;
      },
      () => {
        if (held.pending !== pending) return;
        held.pending = undefined;
        // A failure is not remembered: without keys the entry goes, so the next card fetches again.
        if (held.keys === undefined && entries.get(jku) === held) entries.delete(jku);
      },
    );
    return pending;
  };

  return {
    async keysAt(jku, { refetch = false } = {}) {
      const entry = entries.get(jku);
      if (entry?.pending !== undefined) return (await entry.pending).keys;
      const now = Date.now();
      const fresh = entry?.keys !== undefined && now < entry.expiresAt;
      const coolingDown = entry !== undefined && now < entry.attemptedAt + bounds.refetchCooldownMs;
      if (fresh && (!refetch || coolingDown)) return entry.keys!;
      return (await fetchInto(jku, entry)).keys;
    },
  };
}

/**
 * A resolver that looks the `kid` up in the trusted keys first, then in the
 * key set at the header's `jku` (fetched through the SSRF guard, reused
 * across cards by `keySets`). Keys a signature carries inline (`jwk`, `x5c`)
 * are never used: the card would be vouching for itself.
 */
export function createKeyResolver(options: { trustedKeys: readonly TrustedKey[]; keySets: KeySetCache }): KeyResolver {
  return async (hint) => {
    const trusted = options.trustedKeys.find((k) => k.kid === hint.kid);
    if (trusted !== undefined) return importForAlg(trusted, hint, 'in the trusted keys');
    if (hint.jku === undefined) throw Errors.signatureKidUntrusted({ kid: JSON.stringify(hint.kid) });
    let jwk = (await options.keySets.keysAt(hint.jku)).find((k) => k.kid === hint.kid);
    // A kid the held set lacks may be a key rotated in since: one newer copy, as the cooldown allows.
    jwk ??= (await options.keySets.keysAt(hint.jku, { refetch: true })).find((k) => k.kid === hint.kid);
    if (jwk === undefined) throw Errors.signatureKidNotInSet({ kid: JSON.stringify(hint.kid), jku: hint.jku });
    return importForAlg(jwk, hint, `at ${hint.jku}`);
  };
}
