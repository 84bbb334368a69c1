import type { SecretHasher } from '../crypto/secret-hash.js';

/** What holds a current and maybe a previous secret hash (clients and API keys alike). */
export interface SecretHolder {
  secretHash?: string | undefined;
  previousSecretHash?: string | undefined;
  previousSecretExpiresAt?: number | undefined;
}

/**
 * True when `secret` is the holder's current secret, or its previous one
 * within the rotation grace period. Both hashes are always compared, so the
 * time taken does not say which one matched.
 */
export function secretMatches(hasher: SecretHasher, subject: string, secret: string, holder: SecretHolder, now: number): boolean {
  return matchSecret(hasher, subject, secret, holder, now) !== undefined;
}

/** Which secret `secret` is: the current one, the previous one (still in its grace period), or neither. */
export function matchSecret(hasher: SecretHasher, subject: string, secret: string, holder: SecretHolder, now: number): 'current' | 'previous' | undefined {
  const current = hasher.verify(subject, secret, holder.secretHash);
  const previousValid = holder.previousSecretExpiresAt !== undefined && holder.previousSecretExpiresAt > now;
  const previous = hasher.verify(subject, secret, previousValid ? holder.previousSecretHash : undefined);
  return current ? 'current' : previous ? 'previous' : undefined;
}
