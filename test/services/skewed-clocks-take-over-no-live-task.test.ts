/**
 * Replicas whose wall clocks disagree take over no live task of each
 * other's, and still take over a silent one's, on PostgreSQL: each replica
 * with a pool of its own, as separate processes. The scenario is in
 * test/helpers/skewed-clock-takeovers.ts.
 */
import { createDatabase } from '../../src/storage/index.js';
import { skewedClockTests } from '../helpers/skewed-clock-takeovers.js';
import { createTestSchema, postgresSkipReason } from '../helpers/services.js';

skewedClockTests(async () => {
  const schema = await createTestSchema();
  return {
    open: () => createDatabase({ url: schema.url, poolSize: 2 }),
    drop: () => schema.drop(),
  };
}, await postgresSkipReason());
