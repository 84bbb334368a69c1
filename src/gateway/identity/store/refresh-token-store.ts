import type { Kysely } from 'kysely';
import type { Database, Tables } from '../../../storage/index.js';

/** One refresh token of a delegation grant, as stored (docs/adr/0042-durable-delegation-grants.md). */
export interface RefreshTokenRow {
  tokenHash: string;
  familyId: string;
  clientId: string;
  subject: string;
  tenant: string;
  scopes: string[];
  audience: string;
  /** The `act` claim of the tokens it issues, JSON. */
  act: string;
  /** The `origin` claim the grant started from, JSON. */
  origin: string;
  originJti: string | undefined;
  originId: string | undefined;
  status: 'active' | 'used' | 'revoked';
  /** Epoch ms. */
  familyExpiresAt: number;
  createdAt: number;
}

const STATUSES: ReadonlySet<string> = new Set(['active', 'used', 'revoked']);

/**
 * The refresh tokens of delegation grants. A token is redeemed once: its row
 * goes from `active` to `used` in one conditional update, which is what makes
 * a second presentation (a replay, or two redeemers racing) detectable on
 * every replica. A whole family is revoked at once.
 */
export class RefreshTokenStore {
  readonly #db: Kysely<Tables>;
  readonly #postgres: boolean;

  constructor(database: Database) {
    this.#db = database.db;
    this.#postgres = database.dialect === 'postgres';
  }

  /**
   * Whether the token's family was revoked, read after any revocation running
   * now has committed: on PostgreSQL the row is read FOR UPDATE, which waits
   * for a revoking UPDATE that holds it (an UPDATE that started earlier does
   * not see rows inserted since, so without the wait a token inserted during
   * it would escape). SQLite runs one write at a time.
   */
  async isRevoked(tokenHash: string): Promise<boolean> {
    let query = this.#db.selectFrom('identity_refresh_tokens').select('status').where('token_hash', '=', tokenHash);
    if (this.#postgres) query = query.forUpdate();
    return (await query.executeTakeFirst())?.status === 'revoked';
  }

  async insert(row: RefreshTokenRow): Promise<void> {
    await this.#db
      .insertInto('identity_refresh_tokens')
      .values({
        token_hash: row.tokenHash,
        family_id: row.familyId,
        client_id: row.clientId,
        subject: row.subject,
        tenant: row.tenant,
        scopes: JSON.stringify(row.scopes),
        audience: row.audience,
        act: row.act,
        origin: row.origin,
        origin_jti: row.originJti ?? null,
        origin_id: row.originId ?? null,
        status: row.status,
        family_expires_at: row.familyExpiresAt,
        created_at: row.createdAt,
        used_at: null,
      })
      .execute();
  }

  async find(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const r = await this.#db.selectFrom('identity_refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (r === undefined || !STATUSES.has(r.status)) return undefined;
    const scopes: unknown = JSON.parse(r.scopes);
    return {
      tokenHash: r.token_hash,
      familyId: r.family_id,
      clientId: r.client_id,
      subject: r.subject,
      tenant: r.tenant,
      scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
      audience: r.audience,
      act: r.act,
      origin: r.origin,
      originJti: r.origin_jti ?? undefined,
      originId: r.origin_id ?? undefined,
      status: r.status as RefreshTokenRow['status'],
      familyExpiresAt: Number(r.family_expires_at),
      createdAt: Number(r.created_at),
    };
  }

  /** Marks an active token used; false when it was not active any more (used already, or revoked). */
  async redeem(tokenHash: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('identity_refresh_tokens')
      .set({ status: 'used', used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every token of a family; how many rows it changed (0: revoked already). */
  async revokeFamily(familyId: string): Promise<number> {
    const result = await this.#db.updateTable('identity_refresh_tokens').set({ status: 'revoked' }).where('family_id', '=', familyId).where('status', '!=', 'revoked').executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Revokes the grants that started from the caller's token `jti`; how many rows it changed. */
  async revokeByOriginToken(jti: string): Promise<number> {
    const families = await this.#db.selectFrom('identity_refresh_tokens').select('family_id').where('origin_jti', '=', jti).distinct().execute();
    let n = 0;
    for (const { family_id } of families) n += await this.revokeFamily(family_id);
    return n;
  }

  /** Deletes the families past their end. */
  async purge(now: number): Promise<void> {
    await this.#db.deleteFrom('identity_refresh_tokens').where('family_expires_at', '<=', now).execute();
  }
}
