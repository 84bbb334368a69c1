import type { Kysely, Migration } from 'kysely';
import { createIndexes, createTables, dropTables, type MigrationDialect, type TableSpec } from './create-table.js';

/**
 * Push delivery by destination (ADR 0027):
 *
 * - `push_configs.origin_key`: a keyed hash of the webhook's origin (scheme,
 *   host, port), written by the runtime when it seals the config, so the
 *   outbox can be grouped by receiver without the host being stored in clear.
 *   NULL for configs stored before this migration: those keep the backoff of
 *   each row.
 * - `push_origins`: the receivers currently failing, shared by every replica:
 *   consecutive failures, when the next probe is due and which replica holds
 *   it. A healthy origin has no row.
 * - `sealed_canaries`: a value sealed under the secret of the first replica,
 *   which every later replica must be able to open before it serves.
 *
 * None of them is tenant-owned (an origin is the receiver's, whoever
 * registered it), so no row security.
 */
export function pushOriginsMigration(dialect: MigrationDialect): Migration {
  const tables: TableSpec[] = [
    {
      name: 'push_origins',
      columns: [
        'origin_key text primary key',
        'failures integer not null',
        'next_probe_at bigint not null',
        'probe_by text',
        'probe_until bigint',
        'last_error text',
        'updated_at bigint not null',
      ],
    },
    {
      name: 'sealed_canaries',
      columns: [
        'name text primary key',
        'value text not null',
        'created_at bigint not null',
      ],
    },
  ];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('push_configs').addColumn('origin_key', 'text').execute();
      await createIndexes(db, 'push_configs', [{ name: 'push_configs_origin', columns: ['origin_key'] }]);
      await createTables(db, dialect, tables);
    },
    async down(db: Kysely<unknown>) {
      await dropTables(db, tables);
      await db.schema.dropIndex('push_configs_origin').ifExists().execute();
      await db.schema.alterTable('push_configs').dropColumn('origin_key').execute();
    },
  };
}
