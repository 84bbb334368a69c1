import type { Database } from '../../../storage/index.js';
import { CredentialStore } from './credential-store.js';
import type { ClientRecord } from './records.js';
import { clientFromRow, rowFromClient } from './rows.js';

/** OAuth clients in `identity_clients`. */
export type ClientStore = CredentialStore<'identity_clients', ClientRecord>;

/** The OAuth client store of `database`. */
export function createClientStore(database: Database): ClientStore {
  return new CredentialStore(database, { table: 'identity_clients', fromRow: clientFromRow, toRow: rowFromClient });
}
