import type { Kysely } from 'kysely';
import type { Database, Tables } from '../../../storage/index.js';
import { bumpRevision } from './identity-state.js';
import type { ListQuery, Page } from './page.js';

/** The columns every credential table has: what listing, paging and updating go by. */
interface CredentialColumns {
  id: string;
  tenant: string;
  status: string;
  revoked_at: number | null;
}

/** The tables that hold credentials: OAuth clients and API keys. */
type CredentialTable = 'identity_clients' | 'identity_api_keys';

/** What an update callback decided: the next record, and whether replicas must hear of it. */
export interface CredentialChange<R> {
  record: R;
  /** Bump the shared revision (revocation, rotation): replicas drop their cached copy at their next sync. */
  announce: boolean;
}

/** Which table a store reads, and how its rows and records convert. */
export interface CredentialStoreOptions<T extends CredentialTable, R> {
  table: T;
  fromRow: (row: Tables[T]) => R;
  toRow: (record: R) => Tables[T];
}

/** The database as a credential store's queries see it: the credential tables, each with the columns they all have. */
type CredentialDatabase = Record<CredentialTable, CredentialColumns>;

/**
 * The queries name only the columns every credential table has, so they are
 * typed against those; `CredentialStoreOptions` ties each table to its own
 * row mappers. Both tables of `Tables` have those columns, so a
 * `Kysely<Tables>` is a `Kysely<CredentialDatabase>` as it is (a transaction
 * too, once seen as the `Kysely<Tables>` it is).
 */
function credentialView(db: Kysely<Tables>): Kysely<CredentialDatabase> {
  return db;
}

/**
 * One credential table (`identity_clients`, `identity_api_keys`), for SQLite
 * and PostgreSQL alike. Both kinds are stored, paged and updated the same
 * way; only the table and the row mapping differ.
 */
export class CredentialStore<T extends CredentialTable, R extends { id: string }> {
  readonly #tables: Kysely<Tables>;
  readonly #db: Kysely<CredentialDatabase>;
  readonly #postgres: boolean;
  readonly #table: CredentialTable;
  readonly #fromRow: (row: CredentialColumns) => R;
  readonly #toRow: (record: R) => CredentialColumns;

  constructor(database: Database, options: CredentialStoreOptions<T, R>) {
    this.#tables = database.db;
    this.#db = credentialView(database.db);
    this.#postgres = database.dialect === 'postgres';
    this.#table = options.table;
    this.#fromRow = options.fromRow as (row: CredentialColumns) => R;
    this.#toRow = options.toRow;
  }

  async insert(record: R): Promise<void> {
    await this.#db.insertInto(this.#table).values(this.#toRow(record)).execute();
  }

  async get(id: string): Promise<R | undefined> {
    const row = await this.#db.selectFrom(this.#table).selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.#fromRow(row);
  }

  async list(query: ListQuery): Promise<Page<R>> {
    let q = this.#db.selectFrom(this.#table).selectAll().orderBy('id').limit(query.pageSize + 1);
    if (query.tenant !== undefined) q = q.where('tenant', '=', query.tenant);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.pageToken !== undefined) q = q.where('id', '>', query.pageToken);
    const rows = await q.execute();
    const items = rows.slice(0, query.pageSize).map(this.#fromRow);
    return rows.length > query.pageSize ? { items, nextPageToken: items.at(-1)!.id } : { items };
  }

  /**
   * Reads the credential, lets `decide` produce the next record (undefined:
   * no change), and writes it in one transaction. Resolves to the record after.
   */
  async update(id: string, decide: (current: R) => CredentialChange<R> | undefined): Promise<R | undefined> {
    return this.#tables.transaction().execute(async (trx) => {
      const credentials = credentialView(trx);
      const row = await credentials.selectFrom(this.#table).selectAll().where('id', '=', id).$if(this.#postgres, (q) => q.forUpdate()).executeTakeFirst();
      if (row === undefined) return undefined;
      const change = decide(this.#fromRow(row));
      if (change === undefined) return this.#fromRow(row);
      await credentials.updateTable(this.#table).set(this.#toRow(change.record)).where('id', '=', id).execute();
      if (change.announce) await bumpRevision(trx);
      return change.record;
    });
  }

  /** Credentials revoked at or after `since` (epoch ms): their tokens may still be in flight. */
  async revokedSince(since: number): Promise<Array<{ id: string; revokedAt: number }>> {
    const rows = await this.#db.selectFrom(this.#table).select(['id', 'revoked_at']).where('revoked_at', '>=', since).execute();
    return rows.map((r) => ({ id: r.id, revokedAt: Number(r.revoked_at) }));
  }
}
