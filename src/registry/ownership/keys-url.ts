import type { OwnershipClaim } from '../../contracts/registry/index.js';
import { withinDomain } from './proof-result.js';

/** Where an owner publishes its card-signing keys when the claim names no `keysUrl`. */
export const OWNER_KEYS_PATH = '/.well-known/agentmesh-keys.json';

/**
 * The key set a claim's signatures are checked against: `keysUrl` when the
 * claim names one (its host the domain or under it, its path under
 * `/.well-known/`: checked when the metadata is), else
 * `https://<domain>/.well-known/agentmesh-keys.json`.
 */
export function ownerKeysUrl(claim: OwnershipClaim): string {
  return claim.keysUrl ?? `https://${claim.domain}${OWNER_KEYS_PATH}`;
}

/** Why a claim's `keysUrl` cannot prove the domain, or undefined when it can. */
export function keysUrlProblem(claim: OwnershipClaim): string | undefined {
  if (claim.keysUrl === undefined) return undefined;
  const url = URL.canParse(claim.keysUrl) ? new URL(claim.keysUrl) : undefined;
  if (url === undefined) return 'is not a URL';
  if (!withinDomain(url.hostname, claim.domain)) return `is on ${url.hostname}, not on ${claim.domain} or under it`;
  if (!url.pathname.startsWith('/.well-known/')) return 'must be under /.well-known/ (RFC 8615: a path only the host\'s operator controls)';
  return undefined;
}

