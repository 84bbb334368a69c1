import { basicCredentials, requestToken, type TokenRequest } from './token-request.js';

/** Options of {@link GatewayTokenSource}. */
export interface GatewayTokenSourceOptions {
  /** The gateway's token endpoint (`<gateway>/oauth/token`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to ask for; absent: everything the client may have. */
  scope?: string;
  fetch: typeof fetch;
  /** Deadline of one token request, ms. */
  requestTimeoutMs: number;
  /** Clock (tests freeze it). Default `Date.now`. */
  now?: () => number;
}

/** Part of a token's lifetime after which a fresh one is fetched in the background. */
const RENEW_AT = 0.75;
/** A token this close to expiry is not handed out any more, ms: it could expire on the way. */
const EXPIRY_MARGIN_MS = 5_000;

interface Held {
  token: string;
  renewAt: number;
  expiresAt: number;
}

/**
 * The orchestrator's access token from the gateway (OAuth 2.0 client
 * credentials, RFC 6749 §4.4, client_secret_basic). One request at a time
 * (single-flight); renewed in the background once three quarters of its
 * life are gone, so calls on the hot path never wait for the token endpoint;
 * dropped when the gateway refuses it (a 401), so the next call fetches a new one.
 */
export class GatewayTokenSource {
  readonly #o: GatewayTokenSourceOptions;
  readonly #now: () => number;
  readonly #endpoint: TokenRequest;
  #held: Held | undefined;
  #pending: Promise<Held> | undefined;

  constructor(options: GatewayTokenSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#endpoint = { tokenUrl: options.tokenUrl, basic: basicCredentials(options.clientId, options.clientSecret), fetch: options.fetch, requestTimeoutMs: options.requestTimeoutMs, what: "the orchestrator's client credentials" };
  }

  /** A token valid for a while yet; throws a {@link CallFailure} when the gateway gives none. */
  async get(): Promise<string> {
    const held = this.#held;
    const now = this.#now();
    if (held !== undefined && now < held.expiresAt - EXPIRY_MARGIN_MS) {
      if (now >= held.renewAt) this.#refresh().catch(() => undefined);
      return held.token;
    }
    return (await this.#refresh()).token;
  }

  /** Forgets `token` (the gateway answered 401 to it); a newer one already held stays. */
  invalidate(token: string): void {
    if (this.#held?.token === token) this.#held = undefined;
  }

  #refresh(): Promise<Held> {
    this.#pending ??= this.#request().then(
      (held) => {
        this.#held = held;
        this.#pending = undefined;
        return held;
      },
      (err: unknown) => {
        this.#pending = undefined;
        throw err;
      },
    );
    return this.#pending;
  }

  async #request(): Promise<Held> {
    const { token, expiresIn } = await requestToken(this.#endpoint, { grant_type: 'client_credentials', ...(this.#o.scope ? { scope: this.#o.scope } : {}) });
    const now = this.#now();
    return { token, renewAt: now + expiresIn * 1000 * RENEW_AT, expiresAt: now + expiresIn * 1000 };
  }
}
