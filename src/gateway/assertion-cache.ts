import type { RetryOnlyClaim } from '../protocol/index.js';
import { GATEWAY_ACTOR, originOf, type AssertionClaims, type Identity, type Principal } from './identity/index.js';

/** Entries kept (FIFO past it). */
const MAX_ENTRIES = 10_000;

interface Entry {
  token: Promise<string>;
  known: string | undefined;
  /** `Bearer <known>`, made once per assertion: the forwarded call's header is then one string its every call shares. */
  bearer: string | undefined;
  renewAt: number;
}

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
  readonly #entries = new Map<string, Entry>();
  /**
   * The same entries by the principal object itself, then by agent: a verified
   * token's principal is one frozen object shared by all its calls (the
   * verified-token cache's), so its usual call finds its assertion without
   * joining its scopes, building the key and hashing it (ADR 0057's path).
   */
  readonly #byPrincipal = new WeakMap<Principal, Map<string, Entry>>();

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
    const entry = this.#entry(principal, agent);
    return entry.known ?? entry.token;
  }

  /**
   * The `authorization` header's value of `principal`'s call to `agent` (`Bearer <assertion>`), at once when the
   * assertion is signed already: the same string for every call that shares the assertion, so the upstream
   * client checks it once (upstream-http1.ts) and no call joins it anew.
   */
  bearerNow(principal: Principal, agent: string): string | Promise<string> {
    const entry = this.#entry(principal, agent);
    return entry.bearer ?? entry.token.then(bearerOf);
  }

  #entry(principal: Principal, agent: string): Entry {
    const now = Date.now();
    const mine = this.#byPrincipal.get(principal);
    const same = mine?.get(agent);
    if (same !== undefined && same.renewAt > now) return same;
    const scope = principal.scopes.join(' ');
    const key = `${principal.subject}\u0000${principal.tenant}\u0000${scope}\u0000${agent}\u0000${principal.tokenId ?? principal.expiresAt ?? ''}`;
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.renewAt <= now) {
      const token = this.#identity.signAssertion(claimsOf(principal, agent, scope), this.#ttlSeconds);
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
      const signing: Entry = { token, known: undefined, bearer: undefined, renewAt: now + (this.#ttlSeconds * 1000) / 2 };
      this.#entries.set(key, signing);
      token.then(
        (signed) => {
          signing.known = signed;
          signing.bearer = bearerOf(signed);
        },
        () => {
          // A failed signature is tried again on the next call, by either path.
          if (this.#entries.get(key) === signing) this.#entries.delete(key);
          if (this.#byPrincipal.get(principal)?.get(agent) === signing) this.#byPrincipal.get(principal)!.delete(agent);
        },
      );
      entry = signing;
    }
    // Only a shared (frozen) principal is remembered by identity: one made per call would only add a map a call.
    if (Object.isFrozen(principal)) {
      if (mine === undefined) this.#byPrincipal.set(principal, new Map([[agent, entry]]));
      else mine.set(agent, entry);
    }
    return entry;
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

function bearerOf(assertion: string): string {
  return `Bearer ${assertion}`;
}
