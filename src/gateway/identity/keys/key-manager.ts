import type { Logger } from '../../../observability/index.js';
import type { SigningKeyStore } from '../store/signing-key-store.js';
import { generateSigningKey, importSigningKey, type SigningAlg, type SigningKey } from './key-material.js';
import type { KeyRing } from './key-ring.js';

/** Shortest pause between two reloads triggered by an unknown kid, ms: a flood of forged kids must not hammer the database. */
const UNKNOWN_KID_RELOAD_MS = 1000;

/** Options of {@link KeyManager}. */
export interface KeyManagerOptions {
  store: SigningKeyStore;
  ring: KeyRing;
  alg: SigningAlg;
  clock: () => number;
  log: Logger;
}

/**
 * Keeps the key ring in step with `identity_signing_keys`: loads it, creates
 * the first key and each rotation's successor, and deletes keys nobody can
 * need any more. Any replica may rotate; the generation's unique index lets
 * exactly one win, and the others load the winner's key.
 */
export class KeyManager {
  readonly #o: KeyManagerOptions;
  #lastUnknownReload = Number.NEGATIVE_INFINITY;
  #reloading: Promise<void> | undefined;

  constructor(options: KeyManagerOptions) {
    this.#o = options;
  }

  /** Reads the keys from the database; only new ones are decrypted and imported. */
  reload(): Promise<void> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /**
   * A token named a kid this replica does not know: maybe another replica
   * just created it. Reloads at most once a second.
   */
  async reloadForUnknownKid(): Promise<void> {
    const now = this.#o.clock();
    if (now - this.#lastUnknownReload < UNKNOWN_KID_RELOAD_MS) return;
    this.#lastUnknownReload = now;
    await this.reload();
  }

  /** Creates the first key, or the next one when rotation is due; then prunes obsolete keys. */
  async maintain(): Promise<void> {
    const now = this.#o.clock();
    if (this.#o.ring.rotationDue(now)) {
      const generation = this.#o.ring.nextGeneration();
      const activatesAt = this.#o.ring.nextActivation(now);
      const key = await generateSigningKey(this.#o.alg);
      const won = await this.#o.store.insert(key, generation, now, activatesAt);
      if (won) this.#o.log.info({ kid: key.kid, alg: key.alg, generation, activatesAt: new Date(activatesAt).toISOString() }, generation === 1 ? 'signing key created' : 'signing key rotated: successor published');
      await this.reload();
    }
    const obsolete = this.#o.ring.obsolete(this.#o.clock());
    if (obsolete.length > 0) {
      await this.#o.store.delete(obsolete);
      this.#o.log.info({ kids: obsolete }, 'retired signing keys deleted (their last tokens have expired)');
      await this.reload();
    }
  }

  async #reload(): Promise<void> {
    const rows = await this.#o.store.load((kid) => this.#o.ring.known(kid) !== undefined);
    const keys: SigningKey[] = [];
    for (const row of rows) {
      if ('known' in row) keys.push(this.#o.ring.known(row.kid)!);
      else keys.push(await importSigningKey(row));
    }
    this.#o.ring.replace(keys);
  }
}
