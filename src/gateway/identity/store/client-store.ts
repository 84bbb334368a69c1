import type { Kysely } from 'kysely';
import type { Database, Tables } from '../../../storage/index.js';
import { bumpRevision } from './identity-state.js';
import type { ListQuery, Page } from './page.js';
import type { ClientRecord } from './records.js';
import { clientFromRow, rowFromClient } from './rows.js';

/** What an update callback decided: the next record, and whether replicas must hear of it. */
export interface ClientChange {
  record: ClientRecord;
  /** Bump the shared revision (revocations): other replicas reload at their next sync. */
  announce: boolean;
}

/** OAuth clients in `identity_clients`, for SQLite and PostgreSQL alike. */
export class ClientStore {
  readonly #db: Kysely<Tables>;
  readonly #postgres: boolean;

  constructor(database: Database) {
    this.#db = database.db;
    this.#postgres = database.dialect === 'postgres';
  }

  async insert(record: ClientRecord): Promise<void> {
    await this.#db.insertInto('identity_clients').values(rowFromClient(record)).execute();
  }

  async get(id: string): Promise<ClientRecord | undefined> {
    const row = await this.#db.selectFrom('identity_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && clientFromRow(row);
  }

  async list(query: ListQuery): Promise<Page<ClientRecord>> {
    let q = this.#db.selectFrom('identity_clients').selectAll().orderBy('id').limit(query.pageSize + 1);
    if (query.tenant !== undefined) q = q.where('tenant', '=', query.tenant);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.pageToken !== undefined) q = q.where('id', '>', query.pageToken);
    const rows = await q.execute();
    const items = rows.slice(0, query.pageSize).map(clientFromRow);
    return rows.length > query.pageSize ? { items, nextPageToken: items.at(-1)!.id } : { items };
  }

  /**
   * Reads the client, lets `decide` produce the next record (undefined: no
   * change), and writes it in one transaction. Resolves to the record after.
   */
  async update(id: string, decide: (current: ClientRecord) => ClientChange | undefined): Promise<ClientRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('identity_clients').selectAll().where('id', '=', id).$if(this.#postgres, (q) => q.forUpdate()).executeTakeFirst();
      if (row === undefined) return undefined;
      const change = decide(clientFromRow(row));
      if (change === undefined) return clientFromRow(row);
      await trx.updateTable('identity_clients').set(rowFromClient(change.record)).where('id', '=', id).execute();
      if (change.announce) await bumpRevision(trx);
      return change.record;
    });
  }

  /** Clients revoked at or after `since` (epoch ms): their tokens may still be in flight. */
  async revokedSince(since: number): Promise<Array<{ id: string; revokedAt: number }>> {
    const rows = await this.#db.selectFrom('identity_clients').select(['id', 'revoked_at']).where('revoked_at', '>=', since).execute();
    return rows.map((r) => ({ id: r.id, revokedAt: Number(r.revoked_at) }));
  }
}
