import type { Logger } from '../../observability/index.js';
import type { Database } from '../../storage/index.js';
import type { KeyManager } from './keys/key-manager.js';
import type { ClientStore } from './store/client-store.js';
import { readRevision } from './store/identity-state.js';
import type { RefreshTokenStore } from './store/refresh-token-store.js';
import type { RevocationStore } from './store/revocation-store.js';
import type { RevocationList } from './tokens/revocation-list.js';

/** How often expired revocations and assertion ids are purged, ms. */
const PURGE_EVERY_MS = 60_000;

/** What {@link IdentitySync} keeps in step. */
export interface IdentitySyncOptions {
  database: Database;
  keys: KeyManager;
  revocationStore: RevocationStore;
  /** Delegation grants past their end are purged with the revocations. */
  refreshTokenStore: RefreshTokenStore;
  clientStore: ClientStore;
  revocations: RevocationList;
  /** Clients revoked this recently may still have live tokens, ms. */
  clientRevocationWindowMs: number;
  /** Called when the shared revision moved (drop cached records). */
  onRevision: () => void;
  /** Called after every round. */
  afterRound: () => void;
  intervalMs: number;
  clock: () => number;
  log: Logger;
}

/**
 * The replica's link to the shared state. Each round reads one row (the
 * revision); when it moved, it reloads keys and revocations and tells the
 * caches. Then it lets the key manager rotate when due, and now and then
 * purges expired rows. Rounds never overlap; a failed round is logged and
 * the next one tries again.
 */
export class IdentitySync {
  readonly #options: IdentitySyncOptions;
  #revision: number | undefined;
  #lastPurge = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(options: IdentitySyncOptions) {
    this.#options = options;
  }

  /** The first round (which fails loudly: a replica that cannot load its keys must not start), then the timer. */
  async start(): Promise<void> {
    await this.runOnce();
    this.#timer = setInterval(() => {
      this.runOnce().catch((err) => this.#options.log.warn({ err }, 'identity sync failed; retrying at the next interval'));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** One round now; joins the running one instead of overlapping it. */
  runOnce(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  async #round(): Promise<void> {
    const o = this.#options;
    // Read the revision before the data: a change committed in between is loaded now and seen again next round.
    const revision = await readRevision(o.database.db);
    if (revision !== this.#revision) {
      const now = o.clock();
      await o.keys.reload();
      const [tokens, clients] = await Promise.all([o.revocationStore.revokedTokens(now), o.clientStore.revokedSince(now - o.clientRevocationWindowMs)]);
      o.revocations.replace(tokens, clients, now, now - o.clientRevocationWindowMs);
      o.onRevision();
      this.#revision = revision;
    }
    await o.keys.maintain();
    const now = o.clock();
    if (now - this.#lastPurge >= PURGE_EVERY_MS) {
      this.#lastPurge = now;
      await o.revocationStore.purge(now);
      await o.refreshTokenStore.purge(now);
    }
    o.afterRound();
  }
}
