import { sql, type Kysely, type Migration } from 'kysely';
import { createTable } from './create-table.js';

/**
 * The identity tables: OAuth clients, API keys, signing keys, revoked tokens,
 * used client-assertion ids, and the one-row revision replicas poll.
 */
export function identityMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'identity_clients', [
        'id text primary key',
        'name text not null',
        'tenant text not null',
        'scopes text not null',
        'audiences text not null',
        'auth_method text not null',
        'secret_hash text',
        'previous_secret_hash text',
        'previous_secret_expires_at bigint',
        'jwks text',
        'jwks_uri text',
        'rate_limit text',
        'status text not null',
        'created_at bigint not null',
        'updated_at bigint not null',
        'secret_rotated_at bigint',
        'revoked_at bigint',
      ]).execute();
      await db.schema.createIndex('identity_clients_tenant').on('identity_clients').columns(['tenant', 'id']).execute();
      // Replicas load the clients revoked within the last token lifetime.
      await db.schema.createIndex('identity_clients_revoked').on('identity_clients').columns(['revoked_at']).execute();

      await createTable(db, 'identity_api_keys', [
        'id text primary key',
        'name text not null',
        'tenant text not null',
        'scopes text not null',
        'secret_hash text not null',
        'previous_secret_hash text',
        'previous_secret_expires_at bigint',
        'expires_at bigint',
        'status text not null',
        'created_at bigint not null',
        'updated_at bigint not null',
        'rotated_at bigint',
        'revoked_at bigint',
      ]).execute();
      await db.schema.createIndex('identity_api_keys_tenant').on('identity_api_keys').columns(['tenant', 'id']).execute();

      await createTable(db, 'identity_signing_keys', [
        'kid text primary key',
        'generation integer not null unique',
        'alg text not null',
        'public_jwk text not null',
        'private_key text not null',
        'created_at bigint not null',
        'activates_at bigint not null',
      ]).execute();

      await createTable(db, 'identity_revoked_tokens', [
        'jti text primary key',
        'client_id text not null',
        'revoked_at bigint not null',
        'expires_at bigint not null',
      ]).execute();
      await db.schema.createIndex('identity_revoked_tokens_expiry').on('identity_revoked_tokens').columns(['expires_at']).execute();

      await createTable(db, 'identity_assertion_jtis', [
        'client_id text not null',
        'jti text not null',
        'expires_at bigint not null',
      ])
        .addPrimaryKeyConstraint('identity_assertion_jtis_pk', ['client_id', 'jti'])
        .execute();
      await db.schema.createIndex('identity_assertion_jtis_expiry').on('identity_assertion_jtis').columns(['expires_at']).execute();

      await createTable(db, 'identity_state', [
        'id integer primary key',
        'revision bigint not null',
      ]).execute();
      await sql`insert into identity_state (id, revision) values (1, 0)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['identity_state', 'identity_assertion_jtis', 'identity_revoked_tokens', 'identity_signing_keys', 'identity_api_keys', 'identity_clients']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
