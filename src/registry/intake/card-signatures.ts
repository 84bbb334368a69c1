import { base64url, decodeProtectedHeader, flattenedVerify, type CryptoKey, type JWSHeaderParameters, type ProtectedHeaderParameters } from 'jose';
import { type AgentmeshError, canonicalCardForm, isAgentmeshError, type FieldViolation, Errors, errorMessage } from '../../protocol/index.js';
import { legacyCanonicalForm } from './legacy-canonical-form.js';
import type { KeyResolver, ResolvedKey } from './signature-keys.js';

/*
 * Verifies the signatures of a card as it was submitted (A2A §8.4.3):
 *
 * 1. The payload is the card's canonical form without `signatures`: the
 *    SDK's `canonicalizeAgentCard` for a v1.0 card (through protocol's
 *    `canonicalCardForm`), the v0.3 form for a v0.3 card
 *    (`legacy-canonical-form.ts`). Never the translated card: the signer
 *    signed what it sent.
 * 2. Each protected header must name `alg`, `kid` and `typ` (§8.4.2), and
 *    `alg` must be one of ALLOWED_ALGORITHMS: never `none`, never an HMAC
 *    (a shared secret proves nothing to a registry).
 * 3. The key comes from the resolver (trusted keys, then `jku`), imported
 *    for exactly that `alg`, and jose verifies with the algorithm pinned. A
 *    key from a key set held since an earlier card that does not verify is
 *    asked for once more: the set is refetched as its cooldown allows, and a
 *    changed key under the same kid (rotated at the host) verifies again.
 * 4. One verifying signature is enough (§8.4.3: several may exist for key
 *    rotation). When none does, the error lists each one's reason.
 *
 * This is the SDK verifier's algorithm (same canonicalization, same header
 * rule) done here because the SDK's `verifyAgentCardSignature` reports no
 * reason ("No valid signatures found") and writes each failure to
 * `console.debug`, outside the registry's logger.
 */

/** Asymmetric algorithms a card signature may use. */
export const ALLOWED_ALGORITHMS: readonly string[] = Object.freeze(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA']);

interface SignatureEntry {
  protected: string;
  signature: string;
  header?: JWSHeaderParameters | undefined;
}

/** Why one signature failed, or undefined when it verified. */
async function verifyOne(entry: SignatureEntry, payload: string, resolveKey: KeyResolver): Promise<{ reason: string; retryable: boolean } | undefined> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader({ protected: entry.protected });
  } catch {
    return { reason: 'the protected header is not base64url-encoded JSON', retryable: false };
  }
  const { alg, kid, typ, jku } = header;
  if (typeof alg !== 'string' || alg === '') return { reason: 'the protected header names no alg', retryable: false };
  if (!ALLOWED_ALGORITHMS.includes(alg)) return { reason: `alg ${JSON.stringify(alg)} is not allowed (allowed: ${ALLOWED_ALGORITHMS.join(', ')})`, retryable: false };
  if (typeof kid !== 'string' || kid === '') return { reason: 'the protected header names no kid', retryable: false };
  if (typeof typ !== 'string' || typ === '') return { reason: 'the protected header names no typ (A2A §8.4.2 requires it, e.g. "JOSE")', retryable: false };
  if (jku !== undefined && typeof jku !== 'string') return { reason: 'the protected header has a jku that is not a string', retryable: false };
  let resolved: ResolvedKey;
  try {
    resolved = await resolveKey({ kid, alg, jku });
  } catch (err) {
    if (isAgentmeshError(err)) return { reason: err.message, retryable: err.retryable };
    throw err;
  }
  const failure = await verifyWith(entry, payload, resolved.key, alg);
  if (failure !== 'mismatch') return failure;
  // A key held from an earlier fetch may have been rotated at the host under the same kid: one newer copy, once.
  let newer: CryptoKey | Uint8Array | undefined;
  try {
    newer = await resolved.newer?.();
  } catch (err) {
    if (isAgentmeshError(err)) return { reason: err.message, retryable: err.retryable };
    throw err;
  }
  const again = newer === undefined ? failure : await verifyWith(entry, payload, newer, alg);
  return again === 'mismatch' ? { reason: `does not verify with key ${JSON.stringify(kid)}: the card differs from what was signed`, retryable: false } : again;
}

/** Undefined when the signature verifies with `key`; `mismatch` when it does not (the card or the key differs from the signer's). */
async function verifyWith(entry: SignatureEntry, payload: string, key: CryptoKey | Uint8Array, alg: string): Promise<{ reason: string; retryable: boolean } | 'mismatch' | undefined> {
  try {
    await flattenedVerify({ payload, protected: entry.protected, signature: entry.signature, ...(entry.header !== undefined && { header: entry.header }) }, key, { algorithms: [alg] });
    return undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'mismatch';
    return { reason: `cannot be verified: ${errorMessage(err)}`, retryable: false };
  }
}

/**
 * Verifies a submitted card's `signatures`; returns when one verifies,
 * throws AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID listing every failure
 * otherwise. The card's shape has been validated already.
 */
export async function verifyCardSignatures(raw: Record<string, unknown>, options: { legacy: boolean; resolveKey: KeyResolver }): Promise<void> {
  const entries = raw['signatures'] as SignatureEntry[];
  // The SDK's canonical form reads the JSON as a v1.0 card (AgentCard.fromJSON), which is what `raw` is here.
  const canonical = options.legacy ? legacyCanonicalForm(raw) : canonicalCardForm(raw);
  const payload = base64url.encode(new TextEncoder().encode(canonical));
  const failures: FieldViolation[] = [];
  let retryable = false;
  for (const [index, entry] of entries.entries()) {
    const failure = await verifyOne(entry, payload, options.resolveKey);
    if (failure === undefined) return;
    failures.push({ field: `signatures[${index}]`, description: failure.reason });
    retryable ||= failure.retryable;
  }
  const only = failures.length === 1 ? failures[0] : undefined;
  throw only !== undefined
    ? Errors.cardSignatureInvalid({ field: only.field, description: only.description }, { violations: failures, retryable })
    : Errors.cardSignaturesInvalid({ count: failures.length, lines: failures.map((f) => `  - ${f.field} ${f.description}`).join('\n') }, { violations: failures, retryable });
}

/** The error for an unsigned card where signatures are required. */
export function unsignedCardError(): AgentmeshError {
  return Errors.cardNotSigned({}, {
    violations: [{ field: 'signatures', description: 'is required: the registry accepts only signed cards' }],
  });
}
