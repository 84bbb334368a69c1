/** On PostgreSQL: GATEWAY_SECRET and AGENTMESH_SECRET rotate without voiding keys, hashes or push configs. */
import { describe, test } from 'node:test';
import { secretRotationScenario } from '../integration/gateway/secret-rotation-scenario.js';
import { openPostgresDatabase } from '../helpers/database-backends.js';
import { postgresSkipReason } from '../helpers/services.js';

describe('secret rotation (postgres)', { skip: await postgresSkipReason() }, () => {
  test('re-seals every key, pepper and push config, and the old secret can go', async (t) => {
    const { schema, database, close } = await openPostgresDatabase({ poolSize: 4 });
    t.after(close);
    await secretRotationScenario({ database, cliEnv: { DATABASE_URL: schema.url }, cliArgs: [] });
  });
});
