import type { SsrfGuard } from '../../http/index.js';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';
import type { TrustedKey } from './signature-keys.js';

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
}

/** {@link CardIntakeOptions} checked, with defaults applied. */
export interface ResolvedCardIntakeOptions {
  guard: SsrfGuard;
  fetchTimeoutMs: number;
  maxCardBytes: number;
  trustedKeys: readonly TrustedKey[];
  requireSignature: boolean;
}

export const CARD_INTAKE_DEFAULTS = Object.freeze({
  /** 5 seconds. */
  fetchTimeoutMs: 5_000,
  /** 256 KiB. */
  maxCardBytes: 262_144,
});

function invalid(message: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.CONFIG_INVALID, message);
}

function positiveInteger(value: unknown, name: string, unit: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalid(`"${name}" option must be a positive integer (${unit})`);
  return value;
}

function checkTrustedKeys(value: unknown): readonly TrustedKey[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('"trustedKeys" option must be an array of public JWKs');
  const kids = new Set<string>();
  value.forEach((key: unknown, index) => {
    const jwk = key as { kid?: unknown; kty?: unknown } | null;
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') throw invalid(`"trustedKeys[${index}]" must be a JWK (an object with "kty")`);
    if (typeof jwk.kid !== 'string' || jwk.kid === '') throw invalid(`"trustedKeys[${index}]" must have a "kid": signatures name their key by it`);
    if (kids.has(jwk.kid)) throw invalid(`"trustedKeys[${index}]" repeats kid ${JSON.stringify(jwk.kid)}`);
    kids.add(jwk.kid);
  });
  return Object.freeze([...(value as TrustedKey[])]);
}

/** Checks the options once, when the intake is built; a bad option names itself. */
export function resolveCardIntakeOptions(options: CardIntakeOptions): ResolvedCardIntakeOptions {
  if (typeof options !== 'object' || options === null) throw invalid('createCardIntake needs an options object');
  if (typeof options.ssrfGuard?.fetch !== 'function') throw invalid('"ssrfGuard" option is required: pass createSsrfGuard(...) from the http component');
  if (options.requireSignature !== undefined && typeof options.requireSignature !== 'boolean') throw invalid('"requireSignature" option must be true or false');
  return Object.freeze({
    guard: options.ssrfGuard,
    fetchTimeoutMs: positiveInteger(options.fetchTimeoutMs, 'fetchTimeoutMs', 'milliseconds', CARD_INTAKE_DEFAULTS.fetchTimeoutMs),
    maxCardBytes: positiveInteger(options.maxCardBytes, 'maxCardBytes', 'bytes', CARD_INTAKE_DEFAULTS.maxCardBytes),
    trustedKeys: checkTrustedKeys(options.trustedKeys),
    requireSignature: options.requireSignature ?? false,
  });
}
