import type { SsrfGuard } from '../../http/index.js';
import { Errors, isRecord } from '../../protocol/index.js';
import { KEY_SET_CACHE_DEFAULTS, type KeySetCacheBounds, type TrustedKey } from './signature-keys.js';

/** Options of `createCardIntake`. */
export interface CardIntakeOptions {
  /** Every outbound call (cards, key sets) goes through it: `createSsrfGuard` from the http component. */
  ssrfGuard: SsrfGuard;
  /** Time allowed for one card or key-set fetch, redirects included, in ms. Default 5 s (5_000). */
  fetchTimeoutMs?: number;
  /** Largest card accepted by URL, in bytes. Default 256 KiB (262_144). */
  maxCardBytes?: number;
  /** Public keys (JWK with `kid`) that verify card signatures, looked up before the signature's `jku`. Default none. */
  trustedKeys?: readonly TrustedKey[];
  /** Refuse cards without signatures. Default false: unsigned cards are admitted with `signed: false`. */
  requireSignature?: boolean;
  /** How long key sets fetched from a signature's jku are reused across cards. Defaults: `KEY_SET_CACHE_DEFAULTS` (5 s to 2 min by the response's max-age, 1 min without one; an unknown kid refetches at most every 5 s). */
  keySetCache?: Partial<KeySetCacheBounds>;
  /** The clock key-set ages and the refetch cooldown are read from, ms. Default `performance`; tests pass one they move. */
  clock?: { now(): number };
}

/** {@link CardIntakeOptions} checked, with defaults applied. */
export interface ResolvedCardIntakeOptions {
  guard: SsrfGuard;
  fetchTimeoutMs: number;
  maxCardBytes: number;
  trustedKeys: readonly TrustedKey[];
  requireSignature: boolean;
  keySetCache: Readonly<KeySetCacheBounds>;
  clock: { now(): number };
}

export const CARD_INTAKE_DEFAULTS = Object.freeze({
  /** 5 seconds. */
  fetchTimeoutMs: 5_000,
  /** 256 KiB. */
  maxCardBytes: 262_144,
});

function positiveInteger(value: unknown, name: string, unit: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw Errors.cardIntakeOptionNotPositive({ option: name, unit });
  return value;
}

function checkTrustedKeys(value: unknown): readonly TrustedKey[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw Errors.cardIntakeTrustedKeysNotArray({});
  const kids = new Set<string>();
  const keys: TrustedKey[] = [];
  value.forEach((jwk: unknown, index) => {
    if (!isRecord(jwk) || typeof jwk['kty'] !== 'string') throw Errors.cardIntakeTrustedKeyNotJwk({ index });
    const kid = jwk['kid'];
    if (typeof kid !== 'string' || kid === '') throw Errors.cardIntakeTrustedKeyWithoutKid({ index });
    if (kids.has(kid)) throw Errors.cardIntakeTrustedKeyRepeated({ index, kid: JSON.stringify(kid) });
    kids.add(kid);
    keys.push({ ...jwk, kid, kty: jwk['kty'] });
  });
  return Object.freeze(keys);
}

/** Each bound of {@link KeySetCacheBounds} and its unit. */
const KEY_SET_CACHE_UNITS: Readonly<Record<keyof KeySetCacheBounds, string>> = Object.freeze({
  minTtlMs: 'milliseconds',
  defaultTtlMs: 'milliseconds',
  maxTtlMs: 'milliseconds',
  refetchCooldownMs: 'milliseconds',
  maxSets: 'key sets',
});

function checkKeySetCache(value: unknown): Readonly<KeySetCacheBounds> {
  if (value === undefined) return KEY_SET_CACHE_DEFAULTS;
  if (!isRecord(value)) throw Errors.cardIntakeKeySetCacheInvalid({ problem: 'must be an object' });
  const given = value;
  const names = Object.keys(KEY_SET_CACHE_UNITS);
  // A misspelt bound would otherwise fall back to its default without a word.
  const unknown = Object.keys(given).find((name) => !Object.hasOwn(KEY_SET_CACHE_UNITS, name));
  if (unknown !== undefined) throw Errors.cardIntakeKeySetCacheInvalid({ problem: `has no member ${JSON.stringify(unknown)} (members: ${names.join(', ')})` });
  // In the units table's order: the first bad bound is the one reported.
  const bound = (name: keyof KeySetCacheBounds): number => positiveInteger(given[name], `keySetCache.${name}`, KEY_SET_CACHE_UNITS[name], KEY_SET_CACHE_DEFAULTS[name]);
  const bounds: KeySetCacheBounds = { minTtlMs: bound('minTtlMs'), defaultTtlMs: bound('defaultTtlMs'), maxTtlMs: bound('maxTtlMs'), refetchCooldownMs: bound('refetchCooldownMs'), maxSets: bound('maxSets') };
  // Out of order, the reuse time a response gets would not be the one its bounds name.
  if (bounds.minTtlMs > bounds.defaultTtlMs || bounds.defaultTtlMs > bounds.maxTtlMs) {
    throw Errors.cardIntakeKeySetCacheInvalid({ problem: `needs minTtlMs <= defaultTtlMs <= maxTtlMs, got ${bounds.minTtlMs}, ${bounds.defaultTtlMs}, ${bounds.maxTtlMs}` });
  }
  return Object.freeze(bounds);
}

/** Checks the options once, when the intake is built; a bad option names itself. */
export function resolveCardIntakeOptions(options: CardIntakeOptions): ResolvedCardIntakeOptions {
  if (typeof options !== 'object' || options === null) throw Errors.cardIntakeWithoutOptions({});
  if (typeof options.ssrfGuard?.fetch !== 'function') throw Errors.cardIntakeWithoutGuard({});
  if (options.requireSignature !== undefined && typeof options.requireSignature !== 'boolean') throw Errors.cardIntakeRequireSignatureInvalid({});
  return Object.freeze({
    guard: options.ssrfGuard,
    fetchTimeoutMs: positiveInteger(options.fetchTimeoutMs, 'fetchTimeoutMs', 'milliseconds', CARD_INTAKE_DEFAULTS.fetchTimeoutMs),
    maxCardBytes: positiveInteger(options.maxCardBytes, 'maxCardBytes', 'bytes', CARD_INTAKE_DEFAULTS.maxCardBytes),
    trustedKeys: checkTrustedKeys(options.trustedKeys),
    requireSignature: options.requireSignature ?? false,
    keySetCache: checkKeySetCache(options.keySetCache),
    clock: options.clock ?? performance,
  });
}
