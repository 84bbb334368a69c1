import type { DelegatedCredential } from './agent-caller.js';
import { CallFailure } from './call-failure.js';
import type { DelegationGrantClient } from './delegation-grant-client.js';

/** Options of {@link GrantCredential}. */
export interface GrantCredentialOptions {
  client: DelegationGrantClient;
  /** The grant's current refresh token. */
  refreshToken: string;
  /**
   * Records the refresh token that replaces the one just redeemed (the run's
   * row): a restarted process must present the new one, as the old one is
   * used up and presenting it again revokes the grant.
   */
  save: (refreshToken: string) => Promise<void>;
  /** Clock (tests freeze it). Default `Date.now`. */
  now?: () => number;
}

/** A token this close to expiry is not handed out any more, ms: it could expire on the way. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * A run's delegation grant as the calls of its steps use it
 * (docs/adr/0042-durable-delegation-grants.md): one delegated access token
 * at a time, reused until shortly before it expires, then a fresh one from
 * the grant. Single-flight, since a refresh token is good for one redemption
 * only (parallel steps share the redemption). The rotated refresh token is
 * recorded before the access token is used. A refusal by the gateway
 * (`invalid_grant`: the caller's credential was revoked, the grant reused or
 * past its end) is final: every later call of the run fails with it at once.
 */
export class GrantCredential implements DelegatedCredential {
  readonly #o: GrantCredentialOptions;
  readonly #now: () => number;
  #refreshToken: string;
  /** A rotated refresh token the run's row does not hold yet. */
  #unsaved: string | undefined;
  #held: { token: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;
  #refused: CallFailure | undefined;

  constructor(options: GrantCredentialOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#refreshToken = options.refreshToken;
  }

  /** The grant's current refresh token (what the run's row holds, or is about to). */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  async token(): Promise<string> {
    if (this.#refused !== undefined) throw this.#refused;
    const held = this.#held;
    if (held !== undefined && this.#now() < held.expiresAt - EXPIRY_MARGIN_MS && this.#unsaved === undefined) return held.token;
    this.#pending ??= this.#redeem().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  refused(token: string): void {
    if (this.#held?.token === token) this.#held = undefined;
  }

  async #redeem(): Promise<string> {
    if (this.#unsaved === undefined) {
      let redeemed;
      try {
        redeemed = await this.#o.client.redeem(this.#refreshToken);
      } catch (err) {
        if (err instanceof CallFailure && !err.transient) {
          this.#refused = new CallFailure(`${err.message}; the run can no longer act for its caller, who must start it again (resumeFrom)`, { transient: false, cause: err });
          throw this.#refused;
        }
        throw err;
      }
      this.#refreshToken = redeemed.refreshToken;
      this.#unsaved = redeemed.refreshToken;
      this.#held = { token: redeemed.accessToken, expiresAt: this.#now() + redeemed.expiresIn * 1000 };
    }
    try {
      await this.#o.save(this.#unsaved);
    } catch (err) {
      throw new CallFailure(`the run's rotated delegation grant could not be recorded: ${err instanceof Error ? err.message : String(err)}`, { transient: true, cause: err });
    }
    this.#unsaved = undefined;
    return this.#held!.token;
  }
}
