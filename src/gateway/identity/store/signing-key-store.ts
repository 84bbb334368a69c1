import type { Kysely } from 'kysely';
import { Errors, requireOneOf } from '../../../protocol/index.js';
import { openWithKeys, sealValue, type Database, type ResealCount, type SealingKeys, type Tables } from '../../../storage/index.js';
import { SIGNING_ALGS, type GeneratedKey, type PublicSigningJwk, type SigningAlg } from '../keys/key-material.js';
import { bumpRevision } from './identity-state.js';

/** A stored key, opened: what `importSigningKey` takes. */
export interface StoredSigningKey {
  kid: string;
  generation: number;
  alg: SigningAlg;
  publicJwk: PublicSigningJwk;
  privatePkcs8: Buffer;
  createdAt: number;
  activatesAt: number;
}

/**
 * Signing keys in `identity_signing_keys`, private halves sealed with
 * AES-256-GCM under the key-encryption key (bound to the kid); during a
 * rotation of the secret, halves sealed under the previous key open too.
 */
export class SigningKeyStore {
  readonly #db: Kysely<Tables>;
  readonly #keys: SealingKeys;

  constructor(database: Database, keys: SealingKeys) {
    this.#db = database.db;
    this.#keys = keys;
  }

  /** Every stored key; `skip` names kids already imported (their private half is not opened again). */
  async load(skip: (kid: string) => boolean = () => false): Promise<Array<StoredSigningKey | { kid: string; known: true }>> {
    const rows = await this.#db.selectFrom('identity_signing_keys').selectAll().orderBy('generation').execute();
    return rows.map((row) => {
      if (skip(row.kid)) return { kid: row.kid, known: true as const };
      return {
        kid: row.kid,
        generation: Number(row.generation),
        alg: requireOneOf(SIGNING_ALGS, row.alg, 'identity_signing_keys.alg'),
        publicJwk: JSON.parse(row.public_jwk) as PublicSigningJwk,
        privatePkcs8: openPrivateKey(this.#keys, row.private_key, row.kid).plaintext,
        createdAt: Number(row.created_at),
        activatesAt: Number(row.activates_at),
      };
    });
  }

  /**
   * Adds a key as `generation`; false when another replica took that
   * generation first (the unique index decides), and the caller reloads.
   */
  async insert(key: GeneratedKey, generation: number, createdAt: number, activatesAt: number): Promise<boolean> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto('identity_signing_keys')
          .values({
            kid: key.kid,
            generation,
            alg: key.alg,
            public_jwk: JSON.stringify(key.publicJwk),
            private_key: sealValue(this.#keys.current, key.privatePkcs8, key.kid),
            created_at: createdAt,
            activates_at: activatesAt,
          })
          .execute();
        await bumpRevision(trx);
      });
      return true;
    } catch (err) {
      if (await this.#generationTaken(generation)) return false;
      throw err;
    }
  }

  async delete(kids: readonly string[]): Promise<void> {
    if (kids.length > 0) await this.#db.deleteFrom('identity_signing_keys').where('kid', 'in', kids).execute();
  }

  /**
   * Re-seals under the current key every private half only the previous key
   * opens, each only if unchanged since read (compare-and-set: serving
   * replicas and a second run do not clash); `dryRun` only counts. Nothing
   * bumps the revision: the keys are the same, only their seal changed.
   */
  async resealUnderPrevious(dryRun: boolean): Promise<ResealCount> {
    const rows = await this.#db.selectFrom('identity_signing_keys').select(['kid', 'private_key']).orderBy('generation').execute();
    const count: ResealCount = { checked: rows.length, underCurrent: 0, underPrevious: 0, resealed: 0 };
    for (const row of rows) {
      const opened = openPrivateKey(this.#keys, row.private_key, row.kid);
      if (!opened.underPrevious) {
        count.underCurrent++;
        continue;
      }
      count.underPrevious++;
      if (dryRun) continue;
      const result = await this.#db
        .updateTable('identity_signing_keys')
        .set({ private_key: sealValue(this.#keys.current, opened.plaintext, row.kid) })
        .where('kid', '=', row.kid)
        .where('private_key', '=', row.private_key)
        .executeTakeFirst();
      count.resealed += Number(result.numUpdatedRows);
    }
    return count;
  }

  async #generationTaken(generation: number): Promise<boolean> {
    const row = await this.#db.selectFrom('identity_signing_keys').select('kid').where('generation', '=', generation).executeTakeFirst();
    return row !== undefined;
  }
}

/** Opens a sealed private half, naming what an operator must check when it does not open. */
function openPrivateKey(keys: SealingKeys, sealed: string, kid: string): { plaintext: Buffer; underPrevious: boolean } {
  try {
    return openWithKeys(keys, sealed, kid);
  } catch (err) {
    const rotation = keys.previous ? ' (and so does GATEWAY_SECRET_PREVIOUS)' : '; while rotating it, set GATEWAY_SECRET_PREVIOUS to the old secret';
    throw Errors.signingKeySealedElsewhere({ kid, why: `the identity secret (signingKeyEncryptionSecret / secret file, GATEWAY_SECRET) differs from the one that encrypted it${rotation}, or the row was modified` }, { cause: err });
  }
}
