import type { Kysely, Transaction } from 'kysely';
import type { Tables } from '../../../storage/index.js';

/**
 * Bumps the shared revision inside `trx`: every write other replicas must
 * notice (a revocation, a rotation, a new signing key) calls this, and
 * replicas reload their caches when the number moves.
 */
export async function bumpRevision(trx: Transaction<Tables> | Kysely<Tables>): Promise<void> {
  await trx
    .updateTable('identity_state')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

/** The shared revision now. */
export async function readRevision(db: Kysely<Tables>): Promise<number> {
  const row = await db.selectFrom('identity_state').select('revision').where('id', '=', 1).executeTakeFirst();
  return Number(row?.revision ?? 0);
}
