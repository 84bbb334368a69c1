import type { Kysely } from 'kysely';
import type { Tables } from '../../storage/index.js';
import { policyInputSchema, type PolicyBody, type PolicyRecord } from './policy-record.js';

/** A version could not be written because another writer took its number first: the write is retried. */
const WRITE_ATTEMPTS = 5;

/**
 * The versions of the gateway's policies (`gateway_policies`, migration
 * 0025), on SQLite and PostgreSQL alike through Kysely. Versions are
 * immutable: a write adds the next version (the primary key makes two
 * writers racing for a number: one wins, the other takes the next), a
 * rollback re-writes an old body as a new version, a delete writes a
 * tombstone version.
 */
export class PolicyStore {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** The newest version of every policy that is not deleted: the policies in force. */
  async inForce(): Promise<PolicyRecord[]> {
    const rows = await this.#db.selectFrom('gateway_policies').selectAll().orderBy('policy_tenant').orderBy('id').orderBy('version', 'desc').execute();
    const out: PolicyRecord[] = [];
    let last = '';
    for (const row of rows) {
      const key = `${row.policy_tenant}/${row.id}`;
      if (key === last) continue;
      last = key;
      if (Number(row.deleted) === 0) out.push(recordOf(row));
    }
    return out;
  }

  /** Every version of one policy, newest first (tombstones included). */
  async versions(tenant: string | undefined, id: string): Promise<PolicyRecord[]> {
    const rows = await this.#db.selectFrom('gateway_policies').selectAll().where('policy_tenant', '=', tenant ?? '').where('id', '=', id).orderBy('version', 'desc').execute();
    return rows.map(recordOf);
  }

  /** One version, or the newest when `version` is undefined. */
  async version(tenant: string | undefined, id: string, version?: number): Promise<PolicyRecord | undefined> {
    let q = this.#db.selectFrom('gateway_policies').selectAll().where('policy_tenant', '=', tenant ?? '').where('id', '=', id);
    q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
    const row = await q.executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  /** Writes the next version of a policy (or its tombstone); returns it. */
  async put(body: PolicyBody, by: string, deleted = false): Promise<PolicyRecord> {
    const tenant = body.tenant ?? '';
    for (let attempt = 1; ; attempt++) {
      const newest = await this.#db.selectFrom('gateway_policies').select((eb) => eb.fn.max('version').as('v')).where('policy_tenant', '=', tenant).where('id', '=', body.id).executeTakeFirst();
      const version = Number(newest?.v ?? 0) + 1;
      const createdAt = Date.now();
      try {
        await this.#db
          .insertInto('gateway_policies')
          .values({ policy_tenant: tenant, id: body.id, version, effect: body.effect, body: JSON.stringify(body), deleted: deleted ? 1 : 0, created_at: createdAt, created_by: by })
          .execute();
      } catch (err) {
        if (attempt < WRITE_ATTEMPTS && isDuplicateKey(err)) continue;
        throw err;
      }
      return { ...body, version, createdAt, createdBy: by, ...(deleted && { deleted: true }) };
    }
  }
}

function recordOf(row: Tables['gateway_policies']): PolicyRecord {
  // Written through the schema: a row that no longer parses is a bug of a later version, refused loudly.
  const body = policyInputSchema.parse(JSON.parse(row.body));
  return { ...body, version: Number(row.version), createdAt: Number(row.created_at), createdBy: row.created_by, ...(Number(row.deleted) !== 0 && { deleted: true }) };
}

/** SQLite's and PostgreSQL's words for a primary key taken. */
function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (typeof e.message === 'string' && /UNIQUE constraint failed|duplicate key/.test(e.message));
}
