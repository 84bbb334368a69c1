import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The identity tables: OAuth clients, API keys, signing keys, revoked tokens,
 * used client-assertion ids, and the one-row revision replicas poll.
 */
export function identityMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identity_clients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('audiences', 'text', (c) => c.notNull())
        .addColumn('auth_method', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('previous_secret_hash', 'text')
        .addColumn('previous_secret_expires_at', 'bigint')
        .addColumn('jwks', 'text')
        .addColumn('jwks_uri', 'text')
        .addColumn('rate_limit', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('secret_rotated_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('identity_clients_tenant').on('identity_clients').columns(['tenant', 'id']).execute();
      // Replicas load the clients revoked within the last token lifetime.
      await db.schema.createIndex('identity_clients_revoked').on('identity_clients').columns(['revoked_at']).execute();

      await db.schema
        .createTable('identity_api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('previous_secret_hash', 'text')
        .addColumn('previous_secret_expires_at', 'bigint')
        .addColumn('expires_at', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('identity_api_keys_tenant').on('identity_api_keys').columns(['tenant', 'id']).execute();

      await db.schema
        .createTable('identity_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('generation', 'integer', (c) => c.notNull().unique())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('activates_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('identity_revoked_tokens')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('identity_revoked_tokens_expiry').on('identity_revoked_tokens').columns(['expires_at']).execute();

      await db.schema
        .createTable('identity_assertion_jtis')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('identity_assertion_jtis_pk', ['client_id', 'jti'])
        .execute();
      await db.schema.createIndex('identity_assertion_jtis_expiry').on('identity_assertion_jtis').columns(['expires_at']).execute();

      await db.schema
        .createTable('identity_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into identity_state (id, revision) values (1, 0)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['identity_state', 'identity_assertion_jtis', 'identity_revoked_tokens', 'identity_signing_keys', 'identity_api_keys', 'identity_clients']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
