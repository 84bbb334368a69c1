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
 * A cache entry's key: the token's last characters (a JWT's signature's,
 * 96 bits). A Map hashes a string key in full, and each request's header is
 * a new string: about 2 ns a character, 1–1.5 µs a call for a 500–770-byte
 * token; its tail hashes in nanoseconds. A hit still requires the whole
 * token to be equal, so the cache answers for exact texts only.
 */
const KEY_CHARS = 16;

function keyOf(token: string): string {
  return token.length > KEY_CHARS ? token.slice(-KEY_CHARS) : token;
}

/** A verified token under its key, with its full text for the exact comparison. */
interface Held {
  token: string;
  entry: VerifiedToken;
}

/**
 * Tokens whose signature and claims were verified, by their exact text. The
 * gateway sees the same bearer token on call after call; this turns the
 * second and later checks from a signature verification (~60–100 µs for
 * ES256 through WebCrypto) into a map lookup. Only verified tokens get in,
 * so a forged one can never be served from here (one sharing a verified
 * token's tail is compared in full, and missed); expiry and revocation are
 * still checked on every hit by the caller. FIFO-bounded: the oldest entry
 * goes when full.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Held>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(token: string): VerifiedToken | undefined {
    const held = this.#entries.get(keyOf(token));
    return held !== undefined && held.token === token ? held.entry : undefined;
  }

  set(token: string, entry: VerifiedToken): void {
    if (this.#capacity === 0) return;
    const key = keyOf(token);
    if (this.#entries.size >= this.#capacity && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { token, entry });
  }

  delete(token: string): void {
    const key = keyOf(token);
    if (this.#entries.get(key)?.token === token) this.#entries.delete(key);
  }

  /** Drops tokens expired before `now` (epoch ms). */
  sweep(now: number): void {
    for (const [key, held] of this.#entries) if (held.entry.expiresAt <= now) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
