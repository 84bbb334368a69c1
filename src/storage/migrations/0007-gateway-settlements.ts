import type { Kysely, Migration } from 'kysely';

/**
 * Credit reservations whose task was still running when its answer ended:
 * the gateway reads each task until it ends, then settles or refunds. Kept
 * in the database so a gateway restart (or another replica) picks them up.
 */
export function gatewaySettlementsMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gateway_open_reservations')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('estimate', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gateway_open_reservations').ifExists().execute();
    },
  };
}
