import type { Kysely, Migration } from 'kysely';

/**
 * `runtime_replicas.hosts`: the agents and skills a replica hosts, written
 * with its heartbeat (JSON, `{ agent: [skill, …] }`). A replica's orphan scan
 * leaves an idempotent task it cannot run to a replica that can, for as long
 * as one such replica was seen within `unhostedTaskGiveUpMs`
 * (docs/adr/0080-orphans-wait-for-a-replica-hosting-their-agent.md):
 * a lone orchestrator paused or cut off comes back to its workflow runs. NULL
 * for rows of replicas of an earlier version, which said nothing of what
 * they host.
 */
export function runtimeReplicaHostsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('runtime_replicas').addColumn('hosts', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('runtime_replicas').dropColumn('hosts').execute();
    },
  };
}
