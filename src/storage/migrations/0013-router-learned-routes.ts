import type { Kysely, Migration } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';
import { createTable } from './create-table.js';

/**
 * Requests users confirmed for a route (ADR 0019): an explicit choice
 * after the router asked, or a correction naming another agent. Per tenant
 * (row security on PostgreSQL, like the other tenant tables); the router's
 * ranking counts them as examples of the candidate they went to.
 */
export function routerLearnedRoutesMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'router_learned_routes', [
        'tenant text not null',
        'candidate text not null',
        'request text not null',
        'created_at bigint not null',
      ])
        .addPrimaryKeyConstraint('router_learned_routes_pk', ['tenant', 'candidate', 'request'])
        .execute();
      if (dialect === 'postgres') await protectTenantRows(db, 'router_learned_routes');
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('router_learned_routes').ifExists().execute();
    },
  };
}
