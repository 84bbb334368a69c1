import type { Logger } from 'pino';
import { openWithKeys, sealValue, type SealingKeys } from '../../storage/index.js';
import type { DelegatedCredential } from '../calls/agent-caller.js';
import { CallFailure } from '../calls/call-failure.js';
import type { DelegationGrantClient } from '../calls/delegation-grant-client.js';
import { GrantCredential } from '../calls/grant-credential.js';
import type { RunStore } from './run-store.js';

/** Options of {@link RunGrants}. */
export interface RunGrantsOptions {
  client: DelegationGrantClient;
  store: RunStore;
  /** Seal the refresh tokens at rest (derived from the host's storage secret). */
  keys: SealingKeys;
  logger: Logger;
}

/** What a run holds of its grant while it runs. */
export interface RunGrant {
  readonly credential: DelegatedCredential;
  /** The run ended for good: the grant is revoked at the gateway and dropped from the row. */
  end(): Promise<void>;
}

/** The row a sealed grant belongs to: a sealed value copied onto another run does not open. */
const contextOf = (runId: string): string => `delegation-grant:${runId}`;

/**
 * The delegation grants of workflow runs (docs/adr/0042-durable-delegation-grants.md).
 * When a run starts with its caller's token, the orchestrator exchanges it
 * for a grant (a refresh token bound to the caller, its tenant and scopes,
 * with the orchestrator as actor), sealed with AES-256-GCM into the run's row;
 * every later step, and the same run resumed by a restarted process, calls
 * with the delegated access tokens the grant gives. The grant is revoked when
 * the run ends.
 */
export class RunGrants {
  readonly #o: RunGrantsOptions;

  constructor(options: RunGrantsOptions) {
    this.#o = options;
  }

  /**
   * A new grant for `runId` from its caller's token, recorded sealed. A grant
   * the gateway does not give leaves the run on the caller's own token
   * (exchanged per call, as long as it lives): logged, never fatal to the start.
   */
  async start(runId: string, subjectToken: string): Promise<RunGrant | undefined> {
    let refreshToken: string;
    try {
      ({ refreshToken } = await this.#o.client.obtain(subjectToken));
    } catch (err) {
      this.#o.logger.warn({ runId, reason: err instanceof Error ? err.message : String(err), transient: err instanceof CallFailure && err.transient }, "no delegation grant for the run: its steps act for the caller only while the caller's token lives");
      return undefined;
    }
    await this.#save(runId, refreshToken);
    return this.#grant(runId, refreshToken);
  }

  /** The grant recorded with `runId` (sealed), for a run resumed by this process; undefined when it holds none. */
  resume(runId: string, sealed: string | null): RunGrant | undefined {
    if (sealed === null) return undefined;
    const refreshToken = openWithKeys(this.#o.keys, sealed, contextOf(runId)).plaintext.toString('utf8');
    return this.#grant(runId, refreshToken);
  }

  #grant(runId: string, refreshToken: string): RunGrant {
    const credential = new GrantCredential({ client: this.#o.client, refreshToken, save: (next) => this.#save(runId, next) });
    return {
      credential,
      end: async () => {
        const revoked = await this.#o.client.revoke(credential.refreshToken);
        if (!revoked) this.#o.logger.warn({ runId }, 'the ended run\'s delegation grant could not be revoked at the gateway; it ends at its lifetime');
        await this.#o.store.setDelegationGrant(runId, null);
      },
    };
  }

  #save(runId: string, refreshToken: string): Promise<void> {
    return this.#o.store.setDelegationGrant(runId, sealValue(this.#o.keys.current, Buffer.from(refreshToken, 'utf8'), contextOf(runId)));
  }
}
