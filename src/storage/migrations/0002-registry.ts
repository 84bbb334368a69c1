import type { Kysely, Migration } from 'kysely';

/** The registry: agent records, instances under leases, probe history, config versions and the change log. */
export function registryMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const serial = (table: ReturnType<Kysely<unknown>['schema']['createTable']>, column: string) =>
    dialect === 'postgres' ? table.addColumn(column, 'bigserial', (c) => c.primaryKey()) : table.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('registry_agents')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('card', 'text', (c) => c.notNull())
        .addColumn('card_url', 'text')
        .addColumn('source_protocol', 'text', (c) => c.notNull())
        .addColumn('signed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('health', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('active_config_version', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('registry_instances')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('region', 'text')
        .addColumn('version', 'text')
        .addColumn('capacity', 'integer')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('lease_ttl_ms', 'integer')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('last_heartbeat_at', 'bigint')
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .addColumn('probe_state', 'text', (c) => c.notNull())
        .addColumn('last_probe_at', 'bigint')
        .addColumn('latency_ms', 'integer')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('next_probe_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('registry_instances_agent').on('registry_instances').columns(['agent']).execute();
      await db.schema.createIndex('registry_instances_probe_due').on('registry_instances').columns(['next_probe_at']).execute();
      await db.schema.createIndex('registry_instances_lease').on('registry_instances').columns(['lease_expires_at']).execute();

      await serial(db.schema.createTable('registry_probes'), 'id')
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('registry_probes_instance').on('registry_probes').columns(['instance_id', 'at']).execute();

      await db.schema
        .createTable('registry_configs')
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('comment', 'text')
        .addPrimaryKeyConstraint('registry_configs_pk', ['agent', 'version'])
        .execute();

      // The change log: the watch stream and every replica's in-memory index follow it by seq.
      await serial(db.schema.createTable('registry_changes'), 'seq')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('record', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('registry_changes_at').on('registry_changes').columns(['at']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['registry_changes', 'registry_configs', 'registry_probes', 'registry_instances', 'registry_agents']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
