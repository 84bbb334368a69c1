import { createHash } from 'node:crypto';
import { deriveSealingKey } from './sealed-box.js';

/**
 * A short name for a secret an operator can compare between two places
 * (`agentmesh secrets rotate` prints it before re-sealing): the first 8 hex
 * of SHA-256 over a fixed label and a key HKDF derives from the secret for
 * this use alone. 32 bits tell two secrets apart by eye; derived apart from
 * every sealing key, they give none away.
 *
 * @example
 * secretFingerprint(process.env.GATEWAY_SECRET!); // '3f9a0c1e'
 */
export function secretFingerprint(secret: string): string {
  const key = deriveSealingKey(secret, 'agentmesh/secret-fingerprint', 'secret fingerprint v1');
  return createHash('sha256').update('agentmesh secret fingerprint v1\n').update(key).digest('hex').slice(0, 8);
}
