import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * Requests users confirmed for a route (ADR 0019): an explicit choice
 * after the router asked, or a correction naming another agent. Per tenant
 * (row security on PostgreSQL, like the other tenant tables); the router's
 * ranking counts them as examples of the candidate they went to.
 */
export function routerLearnedRoutesMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'router_learned_routes',
      columns: [
        'tenant text not null',
        'candidate text not null',
        'request text not null',
        'created_at bigint not null',
      ],
      primaryKey: ['tenant', 'candidate', 'request'],
      tenantOwned: true,
    },
  ]);
}
