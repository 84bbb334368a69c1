import type { PublicSigningJwk, SigningKey } from './key-material.js';

/** How long a retired key must stay published and trusted, and when rotation is due. */
export interface KeySchedule {
  /** A key signs for this long before the next one takes over, ms. */
  rotationIntervalMs: number;
  /** A new key is published this long before it signs, ms. */
  publishLeadMs: number;
  /** Longest lifetime of anything signed (access tokens, assertions), plus clock tolerance, ms. */
  maxSignedLifetimeMs: number;
}

/**
 * The signing keys one replica knows, and the schedule that says which key
 * signs now, which are published, and when the next one is due. Time decides,
 * not messages: every replica holding the same rows (and a sane clock) picks
 * the same signer, so a rotation needs no hand-over.
 *
 * Key i signs from its `activatesAt` until key i+1's; it stays published and
 * trusted for `maxSignedLifetimeMs` after that (the last token it signed
 * expires by then). A new key is created `publishLeadMs` before the current
 * one's interval ends, so JWKS caches hold it before its first signature.
 */
export class KeyRing {
  #keys: SigningKey[] = [];
  readonly #byKid = new Map<string, SigningKey>();
  readonly #schedule: KeySchedule;

  constructor(schedule: KeySchedule) {
    this.#schedule = schedule;
  }

  /** Replaces the known keys (after a load from the database). */
  replace(keys: readonly SigningKey[]): void {
    this.#keys = [...keys].sort((a, b) => a.generation - b.generation);
    this.#byKid.clear();
    for (const key of this.#keys) this.#byKid.set(key.kid, key);
  }

  get size(): number {
    return this.#keys.length;
  }

  /** Kids already imported, so a reload only imports new rows. */
  known(kid: string): SigningKey | undefined {
    return this.#byKid.get(kid);
  }

  /** The key that signs at `now`: the newest one already active. */
  signer(now: number): SigningKey | undefined {
    for (let i = this.#keys.length - 1; i >= 0; i--) if (this.#keys[i]!.activatesAt <= now) return this.#keys[i];
    // Only pending keys (a clock behind the one that created them): the oldest is the best bet.
    return this.#keys[0];
  }

  /** A key that may verify at `now` (published), by kid. */
  verifier(kid: string, now: number): SigningKey | undefined {
    const key = this.#byKid.get(kid);
    return key !== undefined && this.#isPublished(key, now) ? key : undefined;
  }

  /** The JWK Set at `now`: pending, current and recently retired keys, newest first. */
  jwks(now: number): { keys: PublicSigningJwk[] } {
    return { keys: this.#keys.filter((k) => this.#isPublished(k, now)).reverse().map((k) => k.publicJwk) };
  }

  /** True when no key exists, or the newest one has reached its rotation point. */
  rotationDue(now: number): boolean {
    const newest = this.#keys.at(-1);
    if (newest === undefined) return true;
    return newest.activatesAt + this.#schedule.rotationIntervalMs - this.#schedule.publishLeadMs <= now;
  }

  /** When the next key should start signing (for a rotation decided at `now`). */
  nextActivation(now: number): number {
    const newest = this.#keys.at(-1);
    if (newest === undefined) return now;
    return Math.max(newest.activatesAt + this.#schedule.rotationIntervalMs, now + this.#schedule.publishLeadMs);
  }

  /** The generation a new key gets. */
  nextGeneration(): number {
    return (this.#keys.at(-1)?.generation ?? 0) + 1;
  }

  /** Keys nobody can need any more (retired and past their window), safe to delete. */
  obsolete(now: number): string[] {
    return this.#keys.filter((k) => !this.#isPublished(k, now) && this.#retiredAt(k, now) !== undefined).map((k) => k.kid);
  }

  #retiredAt(key: SigningKey, now: number): number | undefined {
    const next = this.#keys.find((k) => k.generation > key.generation && k.activatesAt <= now);
    return next?.activatesAt;
  }

  #isPublished(key: SigningKey, now: number): boolean {
    const retiredAt = this.#retiredAt(key, now);
    return retiredAt === undefined || now < retiredAt + this.#schedule.maxSignedLifetimeMs;
  }
}
