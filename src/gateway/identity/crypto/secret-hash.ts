import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'hmac-sha256$';

/**
 * Keyed hashes of generated credentials (client secrets, API keys).
 *
 * Why HMAC-SHA-256 with a pepper and not scrypt (ADR 0005): the secrets are
 * 256 random bits we generate, never user-chosen passwords, so there is no
 * dictionary to slow down; a fast hash keeps the token endpoint and every
 * X-API-Key call off a 50 ms KDF. The pepper lives outside the database
 * (derived from the identity secret), so a stolen table alone cannot even
 * confirm a guessed secret.
 */
export class SecretHasher {
  readonly #pepper: Buffer;

  constructor(pepper: Buffer) {
    this.#pepper = pepper;
  }

  /** The stored form of `secret`, bound to `subject` (the client or key id). */
  hash(subject: string, secret: string): string {
    return PREFIX + this.#mac(subject, secret).toString('base64url');
  }

  /** True when `secret` matches `stored`; constant time in the secret. */
  verify(subject: string, secret: string, stored: string | null | undefined): boolean {
    const given = this.#mac(subject, secret);
    if (typeof stored !== 'string' || !stored.startsWith(PREFIX)) {
      // Same work on a miss, so timing does not tell "no such hash" from "wrong secret".
      timingSafeEqual(given, given);
      return false;
    }
    const expected = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  #mac(subject: string, secret: string): Buffer {
    return createHmac('sha256', this.#pepper).update(subject).update('\0').update(secret).digest();
  }
}
