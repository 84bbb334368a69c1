import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * A short, stable hash of a JSON value: keys are ordered (RFC 8785), so the
 * same input gives the same id on any replica and after any restart.
 */
export function stableHash(value: unknown, length = 12): string {
  const canonical = canonicalize(value) ?? 'null';
  return createHash('sha256').update(canonical).digest('hex').slice(0, length);
}
