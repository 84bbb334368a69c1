import type { OwnershipMethod } from '../../contracts/registry/index.js';

/**
 * What one method found. `retryable`: the check could not complete (a DNS
 * server that timed out, a host that did not answer): nothing was learned
 * about the claim, and it is asked again sooner.
 */
export type ProofResult = { method: OwnershipMethod; ok: true } | { method: OwnershipMethod; ok: false; reason: string; retryable: boolean };

/** A failed proof. */
export function refusedProof(method: OwnershipMethod, reason: string, retryable = false): ProofResult {
  return { method, ok: false, reason, retryable };
}

/** Is `host` the claimed domain or a name under it (`agents.example.com` under `example.com`). */
export function withinDomain(host: string, domain: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === domain || name.endsWith(`.${domain}`);
}
