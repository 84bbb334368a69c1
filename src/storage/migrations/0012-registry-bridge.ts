import type { Kysely, Migration } from 'kysely';

/**
 * `registry_agents.bridge`: how an agent that speaks another protocol than
 * A2A is reached (JSON: protocol, base URL, its name there, its manifest as
 * served), null for A2A agents (docs/acp.md#acp-agents-in-the-registry).
 */
export function registryBridgeMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('registry_agents').addColumn('bridge', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('registry_agents').dropColumn('bridge').execute();
    },
  };
}
