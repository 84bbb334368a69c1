import type { Kysely, Migration } from 'kysely';
import { createTable } from './create-table.js';

/**
 * Credit reservations whose task was still running when its answer ended:
 * the gateway reads each task until it ends, then settles or refunds. Kept
 * in the database so a gateway restart (or another replica) picks them up.
 */
export function gatewaySettlementsMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'gateway_open_reservations', [
        'key text primary key',
        'agent text not null',
        'task_id text not null',
        'tenant text not null',
        'subject text not null',
        'estimate bigint not null',
        'created_at bigint not null',
      ]).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gateway_open_reservations').ifExists().execute();
    },
  };
}
