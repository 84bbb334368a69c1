import type { Identity } from './identity/index.js';

/** Entries kept (FIFO past it). */
const MAX_ENTRIES = 10_000;

/**
 * The assertions the gateway attaches to forwarded calls, reused for the
 * same caller, tenant, scopes and agent while more than half their lifetime
 * remains: signing one costs ~0.25 ms of ES256 per call otherwise, and the
 * agent verifies each distinct one once.
 */
export class AssertionCache {
  readonly #identity: Identity;
  readonly #ttlSeconds: number;
  readonly #entries = new Map<string, { token: Promise<string>; renewAt: number }>();

  constructor(identity: Identity, ttlSeconds: number) {
    this.#identity = identity;
    this.#ttlSeconds = ttlSeconds;
  }

  get(claims: { sub: string; tenant: string; scope: string; aud: string; act?: string }): Promise<string> {
    const key = `${claims.sub}\u0000${claims.tenant}\u0000${claims.scope}\u0000${claims.aud}\u0000${claims.act ?? ''}`;
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.renewAt > now) return hit.token;
    const token = this.#identity.signAssertion(claims, this.#ttlSeconds);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { token, renewAt: now + (this.#ttlSeconds * 1000) / 2 });
    token.catch(() => this.#entries.delete(key));
    return token;
  }
}
