import type { Kysely, Migration } from 'kysely';
import { createIndexes, createTables, dropTables, type MigrationDialect, type TableSpec } from './create-table.js';

/**
 * Registry governance (docs/registry.md#ownership-verification and
 * #review-holds, ADR 0072):
 *
 * - `registry_agents.governance`: the registry's own state of the record
 *   (JSON): its verdict on the ownership claim and the pointer to a change
 *   held for review; null when it has neither. `ownership_check_at`: when
 *   the claim is next checked (epoch ms), null without a claim. Replicas
 *   claim due checks by moving it forward, as they claim probes.
 * - `registry_reviews`: changed cards held for review, and what became of
 *   each (approved, rejected, superseded, withdrawn): who submitted it, who
 *   decided, when and why. The platform's, not a tenant's: no row security.
 */
const REVIEWS: readonly TableSpec[] = [
  {
    name: 'registry_reviews',
    columns: [
      'id text primary key',
      'agent text not null',
      'state text not null',
      'base_revision integer not null',
      // What the record becomes on approval: the card (A2A JSON), its URL and source, the metadata, and the patch from the approved metadata.
      'proposal text not null',
      // CardChange[] JSON: what a reviewer reads.
      'changes text not null',
      // SHA-256 of the approved card's JSON text when the change was held: an approval of a change made against another card is refused.
      'base_card_digest text not null',
      'digest text not null',
      'submitted_at bigint not null',
      'submitted_by text',
      'decided_at bigint',
      'decided_by text',
      'on_behalf_of text',
      'reason text',
    ],
    indexes: [
      { name: 'registry_reviews_state', columns: ['state', 'submitted_at'] },
      { name: 'registry_reviews_agent', columns: ['agent', 'state'] },
    ],
  },
];

export function registryGovernanceMigration(dialect: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('registry_agents').addColumn('governance', 'text').execute();
      await db.schema.alterTable('registry_agents').addColumn('ownership_check_at', 'bigint').execute();
      await createIndexes(db, 'registry_agents', [{ name: 'registry_agents_ownership_check', columns: ['ownership_check_at'] }]);
      await createTables(db, dialect, REVIEWS);
    },
    async down(db: Kysely<unknown>) {
      await dropTables(db, REVIEWS);
      await db.schema.dropIndex('registry_agents_ownership_check').ifExists().execute();
      await db.schema.alterTable('registry_agents').dropColumn('ownership_check_at').execute();
      await db.schema.alterTable('registry_agents').dropColumn('governance').execute();
    },
  };
}
