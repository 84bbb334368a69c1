import { CallFailure, parseRetryAfter } from './call-failure.js';
import { isRecord } from '../../protocol/index.js';

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
  readonly #basic: string;
  #held: Held | undefined;
  #pending: Promise<Held> | undefined;

  constructor(options: GatewayTokenSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    // RFC 6749 §2.3.1: id and secret are form-encoded before the Basic encoding.
    this.#basic = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`;
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
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(this.#o.scope ? { scope: this.#o.scope } : {}) });
    let response: Response;
    let text: string;
    try {
      response = await this.#o.fetch(this.#o.tokenUrl, {
        method: 'POST',
        headers: { authorization: this.#basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.#o.requestTimeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw new CallFailure(`the gateway's token endpoint ${this.#o.tokenUrl} could not be reached: ${err instanceof Error ? err.message : String(err)}`, { transient: true, cause: err });
    }
    const json = parseObject(text);
    if (response.status !== 200) {
      // RFC 6749 §5.2: invalid_client, invalid_scope… are configuration errors; 5xx and 429 pass.
      const reason = typeof json?.['error'] === 'string' ? `${json['error']}${typeof json['error_description'] === 'string' ? `: ${json['error_description']}` : ''}` : `HTTP ${response.status}`;
      const transient = response.status === 429 || response.status >= 500;
      throw new CallFailure(`the gateway refused the orchestrator's client credentials (${reason})`, { transient, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
    }
    const token = json?.['access_token'];
    const ttl = json?.['expires_in'];
    if (typeof token !== 'string' || token === '' || typeof ttl !== 'number' || !(ttl > 0)) {
      throw new CallFailure(`the gateway's token endpoint answered without access_token and expires_in`, { transient: true });
    }
    const now = this.#now();
    return { token, renewAt: now + ttl * 1000 * RENEW_AT, expiresAt: now + ttl * 1000 };
  }
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
