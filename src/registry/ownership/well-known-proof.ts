import type { SsrfGuard } from '../../http/index.js';
import type { AgentRecord, OwnershipClaim } from '../../contracts/registry/index.js';
import { ErrorCodes, isAgentmeshError, isRecord, errorMessage } from '../../protocol/index.js';
import { cardLocation } from './card-origin.js';
import { refusedProof, withinDomain, type ProofResult } from './proof-result.js';

/** The file's path on the card's host (RFC 8615: the host's operator, and no one it hosts, controls `/.well-known/`). */
export const OWNERSHIP_FILE_PATH = '/.well-known/agentmesh-ownership.json';
/** The file lists tokens of a few agents; a larger answer is not one. */
const MAX_FILE_BYTES = 16_384;

/** The file's URL on the card's host, or undefined when the card names no http(s) location. */
export function ownershipFileUrl(record: Pick<AgentRecord, 'card' | 'cardUrl'>): URL | undefined {
  const at = cardLocation(record);
  return at === undefined ? undefined : new URL(OWNERSHIP_FILE_PATH, at.origin);
}

/**
 * The well-known method: the host the card is on is the claimed domain or
 * under it, and serves `/.well-known/agentmesh-ownership.json` naming the
 * domain as `owner` (and the organization, when the claim names one) and
 * listing the record's token in `tokens`. Fetched through the SSRF guard,
 * without following redirects (the proof is the host's own answer).
 */
export async function wellKnownProof(guard: SsrfGuard, record: Pick<AgentRecord, 'card' | 'cardUrl'>, claim: OwnershipClaim, token: string, timeoutMs: number): Promise<ProofResult> {
  const url = ownershipFileUrl(record);
  if (url === undefined) return refusedProof('well-known', 'the card names no http(s) location to read the file from');
  if (!withinDomain(url.hostname, claim.domain)) return refusedProof('well-known', `the card's host ${url.hostname} is not ${claim.domain} or under it`);
  let response: Response;
  try {
    response = await guard.fetch(url, { timeoutMs, maxBytes: MAX_FILE_BYTES, maxRedirects: 0, headers: { accept: 'application/json' } });
  } catch (err) {
    const retryable = isAgentmeshError(err) && (err.retryable || err.code === ErrorCodes.HTTP_UPSTREAM_FAILED || err.code === ErrorCodes.HTTP_TIMEOUT);
    return refusedProof('well-known', `${url.href} could not be read: ${errorMessage(err)}`, retryable);
  }
  if (response.status !== 200) {
    const retryable = response.status >= 500 || response.status === 429;
    return refusedProof('well-known', response.status === 404 || response.status === 410 ? `no file at ${url.href}` : `${url.href} answered HTTP ${response.status}`, retryable);
  }
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    return refusedProof('well-known', `${url.href} is not JSON`);
  }
  if (!isRecord(body)) return refusedProof('well-known', `${url.href} is not a JSON object`);
  const owner = typeof body['owner'] === 'string' ? body['owner'].toLowerCase() : undefined;
  if (owner !== claim.domain) return refusedProof('well-known', `${url.href} names owner ${JSON.stringify(body['owner'] ?? null)}, not ${JSON.stringify(claim.domain)}`);
  if (claim.organization !== undefined && body['organization'] !== claim.organization) {
    return refusedProof('well-known', `${url.href} names organization ${JSON.stringify(body['organization'] ?? null)}, not ${JSON.stringify(claim.organization)}`);
  }
  const tokens = body['tokens'];
  if (!Array.isArray(tokens) || !tokens.includes(token)) return refusedProof('well-known', `${url.href} does not list this agent's token in "tokens"`);
  return { method: 'well-known', ok: true };
}
