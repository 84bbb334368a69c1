import type { Kysely } from 'kysely';
import type { Database, Tables } from '../../../storage/index.js';
import { bumpRevision } from './identity-state.js';

/**
 * Revoked access tokens (RFC 7009) and used client-assertion ids (RFC 7523
 * replay check). Both rows live only until the token or assertion expires.
 */
export class RevocationStore {
  readonly #db: Kysely<Tables>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  /** Records a revoked token and tells the replicas; revoking twice is harmless. */
  async revokeToken(entry: { jti: string; clientId: string; revokedAt: number; expiresAt: number }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('identity_revoked_tokens')
        .values({ jti: entry.jti, client_id: entry.clientId, revoked_at: entry.revokedAt, expires_at: entry.expiresAt })
        .onConflict((oc) => oc.column('jti').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) await bumpRevision(trx);
    });
  }

  /** Revoked tokens that have not expired at `now`: jti → expiry (epoch ms). */
  async revokedTokens(now: number): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('identity_revoked_tokens').select(['jti', 'expires_at']).where('expires_at', '>', now).execute();
    return new Map(rows.map((r) => [r.jti, Number(r.expires_at)]));
  }

  /**
   * Records a client assertion's jti; false when it was already used (a
   * replay). The primary key makes this atomic across replicas.
   */
  async useAssertionJti(clientId: string, jti: string, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('identity_assertion_jtis')
      .values({ client_id: clientId, jti, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Deletes rows that expired before `now`. */
  async purge(now: number): Promise<void> {
    await this.#db.deleteFrom('identity_revoked_tokens').where('expires_at', '<=', now).execute();
    await this.#db.deleteFrom('identity_assertion_jtis').where('expires_at', '<=', now).execute();
  }
}
