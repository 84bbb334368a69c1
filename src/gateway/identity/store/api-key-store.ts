import type { Kysely } from 'kysely';
import type { Database, Tables } from '../../../storage/index.js';
import { bumpRevision } from './identity-state.js';
import type { ListQuery, Page } from './page.js';
import type { ApiKeyRecord } from './records.js';
import { apiKeyFromRow, rowFromApiKey } from './rows.js';

/** What an update callback decided: the next record, and whether replicas must hear of it. */
export interface ApiKeyChange {
  record: ApiKeyRecord;
  /** Bump the shared revision (revocation, rotation): replicas drop their cached copy at their next sync. */
  announce: boolean;
}

/** API keys in `identity_api_keys`, for SQLite and PostgreSQL alike. */
export class ApiKeyStore {
  readonly #db: Kysely<Tables>;
  readonly #postgres: boolean;

  constructor(database: Database) {
    this.#db = database.db;
    this.#postgres = database.dialect === 'postgres';
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.#db.insertInto('identity_api_keys').values(rowFromApiKey(record)).execute();
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom('identity_api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && apiKeyFromRow(row);
  }

  async list(query: ListQuery): Promise<Page<ApiKeyRecord>> {
    let q = this.#db.selectFrom('identity_api_keys').selectAll().orderBy('id').limit(query.pageSize + 1);
    if (query.tenant !== undefined) q = q.where('tenant', '=', query.tenant);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.pageToken !== undefined) q = q.where('id', '>', query.pageToken);
    const rows = await q.execute();
    const items = rows.slice(0, query.pageSize).map(apiKeyFromRow);
    return rows.length > query.pageSize ? { items, nextPageToken: items.at(-1)!.id } : { items };
  }

  /**
   * Reads the client, lets `decide` produce the next record (undefined: no
   * change), and writes it in one transaction. Resolves to the record after.
   */
  async update(id: string, decide: (current: ApiKeyRecord) => ApiKeyChange | undefined): Promise<ApiKeyRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('identity_api_keys').selectAll().where('id', '=', id).$if(this.#postgres, (q) => q.forUpdate()).executeTakeFirst();
      if (row === undefined) return undefined;
      const change = decide(apiKeyFromRow(row));
      if (change === undefined) return apiKeyFromRow(row);
      await trx.updateTable('identity_api_keys').set(rowFromApiKey(change.record)).where('id', '=', id).execute();
      if (change.announce) await bumpRevision(trx);
      return change.record;
    });
  }
}
