import { basicCredentials, requestToken, type TokenRequest } from './token-request.js';
import { CallFailure } from './call-failure.js';

/** Options of {@link DelegationGrantClient}. */
export interface DelegationGrantClientOptions {
  /** The gateway's URL; its token endpoint is `<gatewayUrl>/oauth/token`, its revocation endpoint `<gatewayUrl>/oauth/revoke`. */
  gatewayUrl: string;
  /** This agent's OAuth client at the gateway (registered with `gateway:delegate`). */
  clientId: string;
  clientSecret: string;
  fetch: typeof fetch;
  /** Deadline of one request, ms. */
  requestTimeoutMs: number;
}

/** RFC 8693 §2.1. */
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';

/** A refresh redeemed: a delegated access token, and the refresh token that replaces the one sent. */
export interface RedeemedGrant {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
}

/**
 * The gateway's delegation grants as a client of them
 * (docs/adr/0042-durable-delegation-grants.md): obtains one for a caller's
 * token (token exchange asking a refresh token), redeems it for delegated
 * access tokens (each redemption answers the next refresh token: the one
 * sent is used up), and revokes it once its run has ended.
 */
export class DelegationGrantClient {
  readonly #token: TokenRequest;
  readonly #grant: TokenRequest;
  readonly #revokeUrl: string;
  readonly #o: DelegationGrantClientOptions;

  constructor(options: DelegationGrantClientOptions) {
    this.#o = options;
    const basic = basicCredentials(options.clientId, options.clientSecret);
    const common = { tokenUrl: `${options.gatewayUrl}/oauth/token`, basic, fetch: options.fetch, requestTimeoutMs: options.requestTimeoutMs };
    this.#token = { ...common, what: "the request of a delegation grant for the caller's token" };
    this.#grant = { ...common, what: "the run's delegation grant" };
    this.#revokeUrl = `${options.gatewayUrl}/oauth/revoke`;
  }

  /** A new grant acting for the holder of `subjectToken`: its refresh token. Throws a {@link CallFailure}. */
  async obtain(subjectToken: string): Promise<{ refreshToken: string; expiresIn: number }> {
    const { token, expiresIn } = await requestToken(this.#token, { grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: JWT, requested_token_type: REFRESH_TOKEN });
    return { refreshToken: token, expiresIn };
  }

  /** Redeems `refreshToken` (RFC 6749 §6). Throws a {@link CallFailure}: final when the gateway refused the grant. */
  async redeem(refreshToken: string): Promise<RedeemedGrant> {
    const { token, expiresIn, refreshToken: next } = await requestToken(this.#grant, { grant_type: 'refresh_token', refresh_token: refreshToken });
    if (next === undefined) throw new CallFailure("the gateway's token endpoint answered a refresh without refresh_token", { transient: true });
    return { accessToken: token, expiresIn, refreshToken: next };
  }

  /** Revokes the grant of `refreshToken` (RFC 7009); best effort: false when the gateway could not be told. */
  async revoke(refreshToken: string): Promise<boolean> {
    try {
      const response = await this.#o.fetch(this.#revokeUrl, {
        method: 'POST',
        headers: { authorization: this.#token.basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
        signal: AbortSignal.timeout(this.#o.requestTimeoutMs),
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }
}
