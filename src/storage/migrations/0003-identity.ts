import { sql, type Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * The identity tables: OAuth clients, API keys, signing keys, revoked tokens,
 * used client-assertion ids, and the one-row revision replicas poll.
 */
export function identityMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'identity_clients',
      columns: [
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
      ],
      indexes: [
        { name: 'identity_clients_tenant', columns: ['tenant', 'id'] },
        // Replicas load the clients revoked within the last token lifetime.
        { name: 'identity_clients_revoked', columns: ['revoked_at'] },
      ],
    },
    {
      name: 'identity_api_keys',
      columns: [
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
      ],
      indexes: [{ name: 'identity_api_keys_tenant', columns: ['tenant', 'id'] }],
    },
    {
      name: 'identity_signing_keys',
      columns: [
        'kid text primary key',
        'generation integer not null unique',
        'alg text not null',
        'public_jwk text not null',
        'private_key text not null',
        'created_at bigint not null',
        'activates_at bigint not null',
      ],
    },
    {
      name: 'identity_revoked_tokens',
      columns: [
        'jti text primary key',
        'client_id text not null',
        'revoked_at bigint not null',
        'expires_at bigint not null',
      ],
      indexes: [{ name: 'identity_revoked_tokens_expiry', columns: ['expires_at'] }],
    },
    {
      name: 'identity_assertion_jtis',
      columns: [
        'client_id text not null',
        'jti text not null',
        'expires_at bigint not null',
      ],
      primaryKey: ['client_id', 'jti'],
      indexes: [{ name: 'identity_assertion_jtis_expiry', columns: ['expires_at'] }],
    },
    {
      name: 'identity_state',
      columns: [
        'id integer primary key',
        'revision bigint not null',
      ],
      seed: sql`insert into identity_state (id, revision) values (1, 0)`,
    },
  ]);
}
