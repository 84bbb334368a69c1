import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * Delegation grants (docs/adr/0042-durable-delegation-grants.md): the refresh
 * tokens the gateway issues by token exchange to a delegating client (the
 * orchestrator), so that a workflow run outlives its caller's access token.
 * A token is stored as its hash; the rows of one grant share `family_id`,
 * which a reuse or a revocation revokes as a whole. Tenant-owned (the
 * caller's tenant), so on PostgreSQL it gets the deny-by-default row
 * security of migration 0009 (ADR 0014).
 */
export function identityRefreshTokensMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'identity_refresh_tokens',
      columns: [
        'token_hash text primary key',
        'family_id text not null',
        'client_id text not null',
        'subject text not null',
        'tenant text not null',
        'scopes text not null',
        'audience text not null',
        'act text not null',
        'origin text not null',
        // The caller's token and client, apart: revoking either reaches the grant.
        'origin_jti text',
        'origin_id text',
        'status text not null',
        'family_expires_at bigint not null',
        'created_at bigint not null',
        'used_at bigint',
      ],
      indexes: [
        { name: 'identity_refresh_tokens_family', columns: ['family_id'] },
        { name: 'identity_refresh_tokens_expiry', columns: ['family_expires_at'] },
        { name: 'identity_refresh_tokens_origin_jti', columns: ['origin_jti'] },
      ],
      tenantOwned: true,
    },
  ]);
}
