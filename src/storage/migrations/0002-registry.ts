import type { Kysely, Migration } from 'kysely';
import { createTable } from './create-table.js';

/** The registry: agent records, instances under leases, probe history, config versions and the change log. */
export function registryMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const serial = (column: string) => (dialect === 'postgres' ? `${column} bigserial primary key` : `${column} integer primary key autoincrement`);
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'registry_agents', [
        'name text primary key',
        'identifier text not null',
        'card text not null',
        'card_url text',
        'source_protocol text not null',
        'signed integer not null default 0',
        'metadata text not null',
        'status text not null',
        'health text not null',
        'revision integer not null',
        'active_config_version integer',
        'created_at bigint not null',
        'updated_at bigint not null',
      ]).execute();

      await createTable(db, 'registry_instances', [
        'id text primary key',
        'agent text not null',
        'url text not null',
        'region text',
        'version text',
        'capacity integer',
        'kind text not null',
        'lease_ttl_ms integer',
        'lease_expires_at bigint',
        'last_heartbeat_at bigint',
        'registered_at bigint not null',
        'probe_state text not null',
        'last_probe_at bigint',
        'latency_ms integer',
        'consecutive_failures integer not null default 0',
        'last_error text',
        'next_probe_at bigint not null',
      ]).execute();
      await db.schema.createIndex('registry_instances_agent').on('registry_instances').columns(['agent']).execute();
      await db.schema.createIndex('registry_instances_probe_due').on('registry_instances').columns(['next_probe_at']).execute();
      await db.schema.createIndex('registry_instances_lease').on('registry_instances').columns(['lease_expires_at']).execute();

      await createTable(db, 'registry_probes', [
        serial('id'),
        'instance_id text not null',
        'at bigint not null',
        'ok integer not null',
        'latency_ms integer',
        'error text',
      ]).execute();
      await db.schema.createIndex('registry_probes_instance').on('registry_probes').columns(['instance_id', 'at']).execute();

      await createTable(db, 'registry_configs', [
        'agent text not null',
        'version integer not null',
        'config text not null',
        'created_at bigint not null',
        'created_by text',
        'comment text',
      ])
        .addPrimaryKeyConstraint('registry_configs_pk', ['agent', 'version'])
        .execute();

      // The change log: the watch stream and every replica's in-memory index follow it by seq.
      await createTable(db, 'registry_changes', [
        serial('seq'),
        'kind text not null',
        'agent text not null',
        'at bigint not null',
        'record text',
        'detail text',
      ]).execute();
      await db.schema.createIndex('registry_changes_at').on('registry_changes').columns(['at']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['registry_changes', 'registry_configs', 'registry_probes', 'registry_instances', 'registry_agents']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
