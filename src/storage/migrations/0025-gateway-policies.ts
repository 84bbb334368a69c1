import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * Policies as code at the gateway (docs/policies.md, ADR 0073): every version
 * of every policy, immutable once written (as the registry keeps agent
 * configs): a write adds a version, a rollback writes an old version's body
 * as a new one, a delete writes a tombstone. The newest version of a policy
 * is the one in force, unless it is a tombstone. Not `tenant`: a column of
 * that name marks a tenant-owned row (ADR 0014), and a platform-wide policy
 * belongs to no tenant; the admin API keeps each tenant to its own.
 */
export function gatewayPoliciesMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'gateway_policies',
      columns: [
        // '' for a platform-wide policy.
        "policy_tenant text not null default ''",
        'id text not null',
        'version integer not null',
        'effect text not null',
        // The policy as written (PolicyBody's JSON): target, condition, reason, approval fields, comment.
        'body text not null',
        'deleted integer not null default 0',
        'created_at bigint not null',
        'created_by text not null',
      ],
      primaryKey: ['policy_tenant', 'id', 'version'],
    },
  ]);
}
