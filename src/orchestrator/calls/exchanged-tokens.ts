import { basicCredentials, requestToken, type TokenRequest } from './token-request.js';

/** Options of {@link ExchangedTokens}. */
export interface ExchangedTokensOptions {
  /** The gateway's token endpoint (`<gateway>/oauth/token`). */
  tokenUrl: string;
  /** This agent's OAuth client at the gateway (registered with `gateway:delegate`). */
  clientId: string;
  clientSecret: string;
  fetch: typeof fetch;
  /** Deadline of one token request, ms. */
  requestTimeoutMs: number;
  /** Subject tokens whose exchanged token is kept. Default 1,000. */
  maxEntries?: number;
  /** Clock (tests freeze it). Default `Date.now`. */
  now?: () => number;
}

/** RFC 8693 §2.1. */
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/**
 * The type sent for every subject token: the gateway reads a JWT as what it
 * is (its own access token, an external issuer's, or its assertion).
 */
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
/** A token this close to expiry is not handed out any more, ms: it could expire on the way. */
const EXPIRY_MARGIN_MS = 5_000;

interface Held {
  token: string;
  expiresAt: number;
}

/**
 * Tokens exchanged for callers' tokens at the gateway (RFC 8693), one per
 * subject token, reused until shortly before they expire: a task that makes
 * ten calls for its caller exchanges once, and so do the tasks that carry the
 * same assertion (the gateway reuses one per caller for a minute). Reuse is
 * safe because an exchanged token is bound to exactly what its subject token
 * says (subject, tenant, scopes, actors) and the gateway checks its
 * revocation, and the revocation of the credential it came from, on every
 * call. Single-flight per subject token; bounded (the oldest goes first) and
 * swept of expired entries, so it holds at most the callers of the moment.
 */
export class ExchangedTokens {
  readonly #endpoint: TokenRequest;
  readonly #now: () => number;
  readonly #max: number;
  readonly #held = new Map<string, Held>();
  readonly #pending = new Map<string, Promise<Held>>();

  constructor(options: ExchangedTokensOptions) {
    this.#endpoint = { tokenUrl: options.tokenUrl, basic: basicCredentials(options.clientId, options.clientSecret), fetch: options.fetch, requestTimeoutMs: options.requestTimeoutMs, what: "the exchange of the caller's token" };
    this.#now = options.now ?? Date.now;
    this.#max = options.maxEntries ?? 1_000;
  }

  /** A token acting for the holder of `subjectToken`; throws a CallFailure when the gateway refuses the exchange. */
  async get(subjectToken: string): Promise<string> {
    const held = this.#held.get(subjectToken);
    if (held !== undefined && this.#now() < held.expiresAt - EXPIRY_MARGIN_MS) return held.token;
    let pending = this.#pending.get(subjectToken);
    if (pending === undefined) {
      pending = this.#exchange(subjectToken).finally(() => this.#pending.delete(subjectToken));
      this.#pending.set(subjectToken, pending);
    }
    return (await pending).token;
  }

  /** Forgets `token` (the gateway answered 401 to it: revoked, or derived from a revoked credential). */
  invalidate(token: string): void {
    for (const [subject, held] of this.#held) if (held.token === token) this.#held.delete(subject);
  }

  /** How many exchanged tokens are kept. */
  get size(): number {
    return this.#held.size;
  }

  async #exchange(subjectToken: string): Promise<Held> {
    const { token, expiresIn } = await requestToken(this.#endpoint, { grant_type: GRANT, subject_token: subjectToken, subject_token_type: JWT });
    const now = this.#now();
    const held = { token, expiresAt: now + expiresIn * 1000 };
    for (const [subject, h] of this.#held) if (h.expiresAt <= now) this.#held.delete(subject);
    this.#held.delete(subjectToken);
    if (this.#held.size >= this.#max) this.#held.delete(this.#held.keys().next().value!);
    this.#held.set(subjectToken, held);
    return held;
  }
}
