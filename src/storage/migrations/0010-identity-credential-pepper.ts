import type { Migration } from 'kysely';
import { columnMigration, type MigrationDialect } from './create-table.js';

/**
 * `identity_state.credential_pepper`: the pepper of client-secret and API-key
 * hashes, sealed under the key-encryption key, so rotating GATEWAY_SECRET
 * re-seals it instead of voiding every hash (docs/operations.md#rotating-gateway_secret-and-agentmesh_secret). Null until a
 * gateway adopts the pepper the hashes were made with.
 */
export function identityCredentialPepperMigration(_dialect: MigrationDialect): Migration {
  return columnMigration('identity_state', 'credential_pepper', 'text');
}
