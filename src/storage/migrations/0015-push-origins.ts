import type { Kysely, Migration } from 'kysely';

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
      await db.schema
        .createTable('push_origins')
        .addColumn('origin_key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('next_probe_at', 'bigint', (c) => c.notNull())
        .addColumn('probe_by', 'text')
        .addColumn('probe_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sealed_canaries')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sealed_canaries').ifExists().execute();
      await db.schema.dropTable('push_origins').ifExists().execute();
      await db.schema.dropIndex('push_configs_origin').ifExists().execute();
      await db.schema.alterTable('push_configs').dropColumn('origin_key').execute();
    },
  };
}
