import type { Kysely, Migration } from 'kysely';
import { createIndexes } from './create-table.js';

/**
 * `identity_refresh_tokens.replaces`: the hash of the refresh token a row
 * was issued in exchange for (docs/adr/0058-delegation-grant-redemption-retry.md).
 * A used token presented again shortly after its use, whose successor was
 * never redeemed, is a retry of a redemption whose answer was lost: the
 * gateway finds that successor by this column and issues another in its
 * place. NULL for the first token of a grant and for rows written before
 * this migration. The table keeps its row security (migration 0018): a new
 * column changes no policy.
 */
export function identityRefreshTokenRetriesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('identity_refresh_tokens').addColumn('replaces', 'text').execute();
      await createIndexes(db, 'identity_refresh_tokens', [{ name: 'identity_refresh_tokens_replaces', columns: ['replaces'] }]);
    },
    async down(db: Kysely<unknown>) {
      // SQLite drops no column an index still names.
      await db.schema.dropIndex('identity_refresh_tokens_replaces').ifExists().execute();
      await db.schema.alterTable('identity_refresh_tokens').dropColumn('replaces').execute();
    },
  };
}
