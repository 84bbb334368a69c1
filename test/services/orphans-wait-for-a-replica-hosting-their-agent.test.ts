/**
 * An orphaned idempotent task of an agent only one replica hosts waits for
 * that replica while it was seen within `unhostedTaskGiveUpMs`, and is failed
 * after (ADR 0080), on PostgreSQL: the database a mixed fleet (runtime
 * replicas and the orchestrator) shares. Each replica has its own pool, as a
 * process of its own. The scenario is in test/helpers/unhosted-orphans.ts;
 * test/integration/runtime runs it on SQLite.
 */
import { createDatabase } from '../../src/storage/index.js';
import { unhostedOrphanTests } from '../helpers/unhosted-orphans.js';
import { createTestSchema, postgresSkipReason } from '../helpers/services.js';

unhostedOrphanTests(async () => {
  const schema = await createTestSchema();
  return {
    open: () => createDatabase({ url: schema.url, poolSize: 2 }),
    drop: () => schema.drop(),
  };
}, await postgresSkipReason());
