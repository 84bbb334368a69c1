import type { Kysely, Transaction } from 'kysely';
import type { Database, Tables } from '../../../storage/index.js';
import { oneOf } from '../../../protocol/index.js';

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
  /** When it was redeemed, epoch ms; undefined while it never was. */
  usedAt?: number | undefined;
  /** The hash of the token it was issued for (docs/adr/0058-delegation-grant-redemption-retry.md); undefined for a grant's first. */
  replaces?: string | undefined;
}

/** A token as read back: its row, and the hash of the active token issued for it, if one is (never redeemed, not revoked). */
export interface StoredRefreshToken extends RefreshTokenRow {
  activeSuccessor: string | undefined;
}

const STATUSES = ['active', 'used', 'revoked'] as const satisfies ReadonlyArray<RefreshTokenRow['status']>;

/**
 * The refresh tokens of delegation grants. A token is redeemed once: its row
 * goes from `active` to `used` in one conditional update, which is what makes
 * a second presentation (a replay, or two redeemers racing) detectable on
 * every replica; that update and the successor's insert are one transaction,
 * so a failure between them leaves the presented token active, never used
 * with nothing to follow it. A whole family is revoked at once.
 */
export class RefreshTokenStore {
  readonly #db: Kysely<Tables>;
  readonly #postgres: boolean;

  constructor(database: Database) {
    this.#db = database.db;
    this.#postgres = database.dialect === 'postgres';
  }

  /**
   * Whether any of the tokens' family was revoked, read after any revocation
   * running now has committed: on PostgreSQL the rows are read FOR UPDATE,
   * which waits for a revoking UPDATE that holds one (an UPDATE that started
   * earlier does not see rows inserted since, so without the wait a token
   * inserted during it would escape). SQLite runs one write at a time.
   */
  async isRevoked(...tokenHashes: string[]): Promise<boolean> {
    let query = this.#db.selectFrom('identity_refresh_tokens').select('status').where('token_hash', 'in', tokenHashes);
    if (this.#postgres) query = query.forUpdate();
    return (await query.execute()).some((r) => r.status === 'revoked');
  }

  /** A grant's first token. */
  async insert(row: RefreshTokenRow): Promise<void> {
    await insertRow(this.#db, row);
  }

  /**
   * Redeems the active token `tokenHash` and stores `successor` in its place,
   * in one transaction; false (and nothing written) when the token was not
   * active any more (used already, or revoked).
   */
  rotate(tokenHash: string, successor: RefreshTokenRow, now: number): Promise<boolean> {
    return this.#replace(tokenHash, tokenHash, successor, now);
  }

  /**
   * A retried redemption of the used token `tokenHash`
   * (docs/adr/0058-delegation-grant-redemption-retry.md): `superseded`, the
   * successor it was exchanged for, is marked used and `successor` replaces
   * the same token, in one transaction; false (and nothing written) when
   * `superseded` is not active any more (redeemed by its holder, superseded
   * by a retry racing this one, or revoked).
   */
  retry(tokenHash: string, superseded: string, successor: RefreshTokenRow, now: number): Promise<boolean> {
    return this.#replace(superseded, tokenHash, successor, now);
  }

  /** Marks the active token `spent` used and inserts `successor` as the one issued for `replaces`, in one transaction; false when `spent` was not active. */
  #replace(spent: string, replaces: string, successor: RefreshTokenRow, now: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      if (!(await markUsed(trx, spent, now))) return false;
      await insertRow(trx, { ...successor, replaces });
      return true;
    });
  }

  /**
   * The token's row, and the active token that replaced it, read together
   * (one statement, one snapshot): a retry supersedes the successor as it
   * stood when the presented token was read, so two presentations that
   * overlap race for the same one.
   */
  async find(tokenHash: string): Promise<StoredRefreshToken | undefined> {
    const r = await this.#db
      .selectFrom('identity_refresh_tokens as t')
      .selectAll('t')
      .select((eb) => eb.selectFrom('identity_refresh_tokens as s').select('s.token_hash').whereRef('s.replaces', '=', 't.token_hash').where('s.status', '=', 'active').limit(1).as('active_successor'))
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    const status = r === undefined ? undefined : oneOf(STATUSES, r.status);
    if (r === undefined || status === undefined) return undefined;
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
      status,
      familyExpiresAt: Number(r.family_expires_at),
      createdAt: Number(r.created_at),
      usedAt: r.used_at === null ? undefined : Number(r.used_at),
      replaces: r.replaces ?? undefined,
      activeSuccessor: r.active_successor ?? undefined,
    };
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

type Writer = Kysely<Tables> | Transaction<Tables>;

/** Marks an active token used; false when it was not active any more (used already, or revoked). */
async function markUsed(db: Writer, tokenHash: string, now: number): Promise<boolean> {
  const result = await db.updateTable('identity_refresh_tokens').set({ status: 'used', used_at: now }).where('token_hash', '=', tokenHash).where('status', '=', 'active').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

async function insertRow(db: Writer, row: RefreshTokenRow): Promise<void> {
  await db
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
      replaces: row.replaces ?? null,
    })
    .execute();
}
