import { Errors } from '../../../protocol/index.js';
import { openWithKeys, sealValue, type Database, type ResealCount } from '../../../storage/index.js';
import type { DerivedKeys } from './master-secret.js';

/** The sealed pepper's context: a sealed value copied from another row does not open here. */
const CONTEXT = 'identity:credential-pepper';

/**
 * The pepper of client-secret and API-key hashes, kept in `identity_state`
 * sealed under the key-encryption key (migration 0010).
 *
 * Why stored and not derived from GATEWAY_SECRET on every start, as before:
 * a hash cannot be re-made without the secret it hashes, so a pepper that
 * changed with GATEWAY_SECRET would void every client secret and API key at
 * a rotation. Sealed in the database, a stolen table alone still cannot
 * confirm a guessed secret, and a rotation only re-seals it. A database
 * without it adopts the pepper its hashes were made with: the one derived
 * from the secret that sealed the signing keys.
 */
export async function loadCredentialPepper(database: Database, keys: DerivedKeys): Promise<Buffer> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const stored = await readSealedPepper(database);
    if (stored !== null) return openPepper(keys, stored).plaintext;
    const pepper = await adoptedPepper(database, keys);
    // Compare-and-set: replicas starting together store one value (the same one, from the same secrets).
    await database.db.updateTable('identity_state').set({ credential_pepper: sealValue(keys.keyEncryption.current, pepper, CONTEXT) }).where('id', '=', 1).where('credential_pepper', 'is', null).execute();
  }
  throw Errors.identityStateMissing({});
}

/**
 * Re-seals the stored pepper under the current key when only the previous
 * one opens it (compare-and-set); `dryRun` only counts.
 */
export async function resealCredentialPepper(database: Database, keys: DerivedKeys, dryRun: boolean): Promise<ResealCount> {
  if (!dryRun) await loadCredentialPepper(database, keys);
  const stored = await readSealedPepper(database);
  // Not stored yet (dry run on a database no gateway of this version opened): it will be adopted under the current key.
  if (stored === null) return { checked: 0, underCurrent: 0, underPrevious: 0, resealed: 0 };
  const opened = openPepper(keys, stored);
  if (!opened.underPrevious) return { checked: 1, underCurrent: 1, underPrevious: 0, resealed: 0 };
  if (dryRun) return { checked: 1, underCurrent: 0, underPrevious: 1, resealed: 0 };
  const result = await database.db
    .updateTable('identity_state')
    .set({ credential_pepper: sealValue(keys.keyEncryption.current, opened.plaintext, CONTEXT) })
    .where('id', '=', 1)
    .where('credential_pepper', '=', stored)
    .executeTakeFirst();
  return { checked: 1, underCurrent: 0, underPrevious: 1, resealed: Number(result.numUpdatedRows) };
}

async function readSealedPepper(database: Database): Promise<string | null> {
  const row = await database.db.selectFrom('identity_state').select('credential_pepper').where('id', '=', 1).executeTakeFirst();
  if (row === undefined) throw Errors.identityStateMissing({});
  return row.credential_pepper;
}

function openPepper(keys: DerivedKeys, sealed: string): { plaintext: Buffer; underPrevious: boolean } {
  try {
    return openWithKeys(keys.keyEncryption, sealed, CONTEXT);
  } catch (err) {
    throw Errors.credentialPepperSealedElsewhere({ why: cause(keys) }, { cause: err });
  }
}

async function adoptedPepper(database: Database, keys: DerivedKeys): Promise<Buffer> {
  const key = await database.db.selectFrom('identity_signing_keys').select(['kid', 'private_key']).orderBy('generation').executeTakeFirst();
  if (key === undefined) return keys.derivedPeppers.current;
  // The secret that opens the signing keys is the one the hashes were made under. Neither
  // opening it is a wrong secret: fail before storing a pepper no hash was made with.
  let underPrevious: boolean;
  try {
    underPrevious = openWithKeys(keys.keyEncryption, key.private_key, key.kid).underPrevious;
  } catch (err) {
    throw Errors.signingKeySealedElsewhere({ kid: key.kid, why: cause(keys) }, { cause: err });
  }
  return underPrevious ? keys.derivedPeppers.previous! : keys.derivedPeppers.current;
}

/** What an operator must check when a sealed identity row does not open. */
function cause(keys: DerivedKeys): string {
  const rotation = keys.keyEncryption.previous ? ' (and so does GATEWAY_SECRET_PREVIOUS)' : '; while rotating it, set GATEWAY_SECRET_PREVIOUS to the old secret';
  return `the identity secret (signingKeyEncryptionSecret / secret file, GATEWAY_SECRET) differs from the one that sealed it${rotation}, or the row was modified`;
}
