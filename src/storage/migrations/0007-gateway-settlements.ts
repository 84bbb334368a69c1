import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * Credit reservations whose task was still running when its answer ended:
 * the gateway reads each task until it ends, then settles or refunds. Kept
 * in the database so a gateway restart (or another replica) picks them up.
 */
export function gatewaySettlementsMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'gateway_open_reservations',
      columns: [
        'key text primary key',
        'agent text not null',
        'task_id text not null',
        'tenant text not null',
        'subject text not null',
        'estimate bigint not null',
        'created_at bigint not null',
      ],
    },
  ]);
}
