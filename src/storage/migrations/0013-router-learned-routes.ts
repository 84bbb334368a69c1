import type { Kysely, Migration } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';

/**
 * Requests users confirmed for a route (ADR 0019): an explicit choice
 * after the router asked, or a correction naming another agent. Per tenant
 * (row security on PostgreSQL, like the other tenant tables); the router's
 * ranking counts them as examples of the candidate they went to.
 */
export function routerLearnedRoutesMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('router_learned_routes')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('candidate', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('router_learned_routes_pk', ['tenant', 'candidate', 'request'])
        .execute();
      if (dialect === 'postgres') await protectTenantRows(db, 'router_learned_routes');
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('router_learned_routes').ifExists().execute();
    },
  };
}
