import type { Database } from '../../../storage/index.js';
import { CredentialStore } from './credential-store.js';
import type { ApiKeyRecord } from './records.js';
import { apiKeyFromRow, rowFromApiKey } from './rows.js';

/** API keys in `identity_api_keys`. */
export type ApiKeyStore = CredentialStore<'identity_api_keys', ApiKeyRecord>;

/** The API key store of `database`. */
export function createApiKeyStore(database: Database): ApiKeyStore {
  return new CredentialStore(database, { table: 'identity_api_keys', fromRow: apiKeyFromRow, toRow: rowFromApiKey });
}
