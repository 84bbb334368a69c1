import type { Migration } from 'kysely';
import { columnMigration, type MigrationDialect } from './create-table.js';

/**
 * `registry_agents.bridge`: how an agent that speaks another protocol than
 * A2A is reached (JSON: protocol, base URL, its name there, its manifest as
 * served), null for A2A agents (docs/acp.md#acp-agents-in-the-registry).
 */
export function registryBridgeMigration(_dialect: MigrationDialect): Migration {
  return columnMigration('registry_agents', 'bridge', 'text');
}
