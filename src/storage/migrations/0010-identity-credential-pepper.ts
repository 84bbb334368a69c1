import type { Kysely, Migration } from 'kysely';

/**
 * `identity_state.credential_pepper`: the pepper of client-secret and API-key
 * hashes, sealed under the key-encryption key, so rotating GATEWAY_SECRET
 * re-seals it instead of voiding every hash (docs/operations.md#rotating-gateway_secret-and-agentmesh_secret). Null until a
 * gateway adopts the pepper the hashes were made with.
 */
export function identityCredentialPepperMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('identity_state').addColumn('credential_pepper', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('identity_state').dropColumn('credential_pepper').execute();
    },
  };
}
