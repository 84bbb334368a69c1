import type { RetryOnlyClaim } from '../protocol/index.js';
import { GATEWAY_ACTOR, originOf, type AssertionClaims, type Identity, type Principal } from './identity/index.js';

/** Entries kept (FIFO past it). */
const MAX_ENTRIES = 10_000;

/**
 * The assertions the gateway attaches to forwarded calls, reused for the
 * same caller credential, tenant, scopes and agent while more than half
 * their lifetime remains: signing one costs ~0.25 ms of ES256 per call
 * otherwise, and the agent verifies each distinct one once. An assertion
 * names the credential it was made from (`origin`) and the actors of a
 * delegated call (`act`), so it is keyed by the credential (its token id,
 * else its expiry), not only by who calls.
 */
export class AssertionCache {
  readonly #identity: Identity;
  readonly #ttlSeconds: number;
  /** `known` once the assertion is signed: what `getNow` answers without a promise. */
  readonly #entries = new Map<string, { token: Promise<string>; known: string | undefined; renewAt: number }>();

  constructor(identity: Identity, ttlSeconds: number) {
    this.#identity = identity;
    this.#ttlSeconds = ttlSeconds;
  }

  /** The assertion of `principal`'s call to agent `agent`. */
  get(principal: Principal, agent: string): Promise<string> {
    const token = this.getNow(principal, agent);
    return typeof token === 'string' ? Promise.resolve(token) : token;
  }

  /** `get`, answered at once when the cached assertion is signed already (the usual call): no promise to wait for. */
  getNow(principal: Principal, agent: string): string | Promise<string> {
    const scope = principal.scopes.join(' ');
    const key = `${principal.subject}\u0000${principal.tenant}\u0000${scope}\u0000${agent}\u0000${principal.tokenId ?? principal.expiresAt ?? ''}`;
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.renewAt > now) return hit.known ?? hit.token;
    const token = this.#identity.signAssertion(claimsOf(principal, agent, scope), this.#ttlSeconds);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    const entry: { token: Promise<string>; known: string | undefined; renewAt: number } = { token, known: undefined, renewAt: now + (this.#ttlSeconds * 1000) / 2 };
    this.#entries.set(key, entry);
    token.then(
      (signed) => {
        entry.known = signed;
      },
      () => this.#entries.delete(key),
    );
    return token;
  }

  /**
   * The assertion of a call forwarded without a credit hold, to be answered
   * only as a retry of `claim.messageId` (ADR 0046, third addendum). Signed
   * for this call alone, never reused: it names one messageId.
   */
  retryOnly(principal: Principal, agent: string, claim: RetryOnlyClaim): Promise<string> {
    return this.#identity.signAssertion({ ...claimsOf(principal, agent, principal.scopes.join(' ')), retryOnly: claim }, this.#ttlSeconds);
  }
}

function claimsOf(principal: Principal, agent: string, scope: string): AssertionClaims {
  return { sub: principal.subject, tenant: principal.tenant, scope, aud: `agentmesh:agent:${agent}`, act: GATEWAY_ACTOR, actors: principal.act, origin: originOf(principal) };
}
