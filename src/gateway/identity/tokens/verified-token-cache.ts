import type { Principal } from '../principal.js';

/** What a verified token left behind. */
export interface VerifiedToken {
  principal: Principal;
  /** Token expiry, epoch ms. */
  expiresAt: number;
  /**
   * RFC 8705 §3: the `cnf["x5t#S256"]` of a token bound to a client
   * certificate; the token is accepted only on a TLS connection whose client
   * presented that certificate.
   */
  certificateThumbprint?: string;
}

/**
 * Tokens whose signature and claims were verified, by their exact text. The
 * gateway sees the same bearer token on call after call; this turns the
 * second and later checks from a signature verification (~60–100 µs for
 * ES256 through WebCrypto) into a map lookup. Only verified tokens get in,
 * so a forged one can never be served from here; expiry and revocation are
 * still checked on every hit by the caller. FIFO-bounded: the oldest entry
 * goes when full.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, VerifiedToken>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(token: string): VerifiedToken | undefined {
    return this.#entries.get(token);
  }

  set(token: string, entry: VerifiedToken): void {
    if (this.#capacity === 0) return;
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(token, entry);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }

  /** Drops tokens expired before `now` (epoch ms). */
  sweep(now: number): void {
    for (const [token, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(token);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
