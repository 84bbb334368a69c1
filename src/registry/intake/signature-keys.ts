import { importJWK, type CryptoKey, type JWK } from 'jose';
import { LRUCache } from 'lru-cache';
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
 * The key a signature names. `newer`, for a key from a key set held since an
 * earlier card, fetches the set again (as its cooldown allows) and answers
 * the key under the same kid when it changed: a signature the held key does
 * not verify may be one made with a key rotated at the host under its old
 * kid. Undefined when no newer copy can be had (a trusted key).
 */
export interface ResolvedKey {
  key: CryptoKey | Uint8Array;
  newer?: (() => Promise<CryptoKey | Uint8Array | undefined>) | undefined;
}

/**
 * Finds the public key a signature names, or throws
 * AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID whose message is the reason.
 */
export type KeyResolver = (hint: KeyHint) => Promise<ResolvedKey>;

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
  /** Shortest time between two fetches of one URL asked for by an unknown kid or a key that did not verify. */
  refetchCooldownMs: number;
  /** Most key-set URLs remembered; the least recently used is forgotten first. */
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

/** A key set as held: its keys, and when its latest fetch started (the refetch cooldown counts from it). */
interface HeldKeySet {
  keys: JWK[];
  attemptedAt: number;
}

/**
 * The key sets fetched for card signatures, shared by every card the intake
 * admits: a host registering its agents signs each card with one key set,
 * and fetching that set once per card made registrations queue behind N
 * fetches of the same document. Concurrent fetches of one URL share one
 * request; a set is reused for its Cache-Control max-age within
 * {@link KeySetCacheBounds}; a refetch asked for (a kid missing from the held
 * set, or a signature its key does not verify: a key rotated at the host)
 * happens once the cooldown allows, and a failed fetch is kept by nobody:
 * the next card tries again.
 *
 * jose's createRemoteJWKSet caches too, but with one fixed max age per set
 * (no Cache-Control), its own key selection whose generic errors would lose
 * the reasons the intake reports (status, use, alg, unusable key), and no
 * bound on how many sets a registry keeps.
 */
export interface KeySetCache {
  /**
   * The keys at `jku`, fetched through the SSRF guard unless a fresh copy is held; `refetch` asks for a
   * newer one (an unknown kid, a key that did not verify), which comes once the cooldown allows: until
   * then the held copy is answered, the same array with the same keys.
   */
  keysAt(jku: string, options?: { refetch?: boolean }): Promise<JWK[]>;
}

export function createKeySetCache(options: { guard: SsrfGuard; timeoutMs: number; bounds?: Partial<KeySetCacheBounds>; clock?: { now(): number } }): KeySetCache {
  const bounds: KeySetCacheBounds = { ...KEY_SET_CACHE_DEFAULTS, ...options.bounds };
  const clock = options.clock ?? performance;
  // lru-cache shares one fetch among concurrent callers, bounds the URLs kept (the least recently used goes
  // first) and gives each set its own reuse time; a failed fetch restores the set held before it, or none.
  const sets = new LRUCache<string, HeldKeySet>({
    max: bounds.maxSets,
    ttl: bounds.defaultTtlMs,
    ttlResolution: 0,
    perf: clock,
    noDeleteOnFetchRejection: true,
    fetchMethod: async (jku, held, { options: entry }) => {
      const attemptedAt = clock.now();
      // Counted from the attempt, not its success: failing refetches are rate-limited too.
      if (held !== undefined) held.attemptedAt = attemptedAt;
      const fetched = await fetchKeySet(jku, options.guard, options.timeoutMs, bounds);
      entry.ttl = fetched.ttlMs;
      return { keys: fetched.keys, attemptedAt };
    },
  });

  return {
    async keysAt(jku, { refetch = false } = {}) {
      // A set held (fresh or not, or being fetched) is refetched only once its cooldown is over.
      const held = refetch ? sets.peek(jku, { allowStale: true }) : undefined;
      const forceRefresh = held !== undefined && clock.now() >= held.attemptedAt + bounds.refetchCooldownMs;
      return (await sets.fetch(jku, { forceRefresh }))!.keys;
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
    if (trusted !== undefined) return { key: await importForAlg(trusted, hint, 'in the trusted keys') };
    const jku = hint.jku;
    if (jku === undefined) throw Errors.signatureKidUntrusted({ kid: JSON.stringify(hint.kid) });
    let jwk = (await options.keySets.keysAt(jku)).find((k) => k.kid === hint.kid);
    // A kid the held set lacks may be a key rotated in since: one newer copy, as the cooldown allows.
    jwk ??= (await options.keySets.keysAt(jku, { refetch: true })).find((k) => k.kid === hint.kid);
    if (jwk === undefined) throw Errors.signatureKidNotInSet({ kid: JSON.stringify(hint.kid), jku });
    const used = jwk;
    return {
      key: await importForAlg(used, hint, `at ${jku}`),
      newer: async () => {
        const again = (await options.keySets.keysAt(jku, { refetch: true })).find((k) => k.kid === hint.kid);
        // The same entry: no newer set was fetched (the cooldown), so nothing new to verify with.
        return again === undefined || again === used ? undefined : importForAlg(again, hint, `at ${jku}`);
      },
    };
  };
}
