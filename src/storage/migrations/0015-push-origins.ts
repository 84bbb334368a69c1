import type { Kysely, Migration } from 'kysely';
import { createTable } from './create-table.js';

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
export function pushOriginsMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('push_configs').addColumn('origin_key', 'text').execute();
      await db.schema.createIndex('push_configs_origin').on('push_configs').columns(['origin_key']).execute();
      await createTable(db, 'push_origins', [
        'origin_key text primary key',
        'failures integer not null',
        'next_probe_at bigint not null',
        'probe_by text',
        'probe_until bigint',
        'last_error text',
        'updated_at bigint not null',
      ]).execute();
      await createTable(db, 'sealed_canaries', [
        'name text primary key',
        'value text not null',
        'created_at bigint not null',
      ]).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sealed_canaries').ifExists().execute();
      await db.schema.dropTable('push_origins').ifExists().execute();
      await db.schema.dropIndex('push_configs_origin').ifExists().execute();
      await db.schema.alterTable('push_configs').dropColumn('origin_key').execute();
    },
  };
}
