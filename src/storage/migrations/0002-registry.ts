import type { Migration } from 'kysely';
import { serialKey, tableMigration, type MigrationDialect } from './create-table.js';

/** The registry: agent records, instances under leases, probe history, config versions and the change log. */
export function registryMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'registry_agents',
      columns: [
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
      ],
    },
    {
      name: 'registry_instances',
      columns: [
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
      ],
      indexes: [
        { name: 'registry_instances_agent', columns: ['agent'] },
        { name: 'registry_instances_probe_due', columns: ['next_probe_at'] },
        { name: 'registry_instances_lease', columns: ['lease_expires_at'] },
      ],
    },
    {
      name: 'registry_probes',
      columns: [
        serialKey(dialect, 'id'),
        'instance_id text not null',
        'at bigint not null',
        'ok integer not null',
        'latency_ms integer',
        'error text',
      ],
      indexes: [{ name: 'registry_probes_instance', columns: ['instance_id', 'at'] }],
    },
    {
      name: 'registry_configs',
      columns: [
        'agent text not null',
        'version integer not null',
        'config text not null',
        'created_at bigint not null',
        'created_by text',
        'comment text',
      ],
      primaryKey: ['agent', 'version'],
    },
    // The change log: the watch stream and every replica's in-memory index follow it by seq.
    {
      name: 'registry_changes',
      columns: [
        serialKey(dialect, 'seq'),
        'kind text not null',
        'agent text not null',
        'at bigint not null',
        'record text',
        'detail text',
      ],
      indexes: [{ name: 'registry_changes_at', columns: ['at'] }],
    },
  ]);
}
