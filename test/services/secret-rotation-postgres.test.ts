/** On PostgreSQL: GATEWAY_SECRET and AGENTMESH_SECRET rotate without voiding keys, hashes or push configs. */
import { describe, test } from 'node:test';
import { createDatabase } from '../../src/storage/index.js';
import { secretRotationScenario } from '../integration/gateway/secret-rotation-scenario.js';
import { createTestSchema, postgresSkipReason } from '../helpers/services.js';

describe('secret rotation (postgres)', { skip: await postgresSkipReason() }, () => {
  test('re-seals every key, pepper and push config, and the old secret can go', async (t) => {
    const schema = await createTestSchema();
    const database = await createDatabase({ url: schema.url, poolSize: 4 });
    t.after(async () => {
      await database.close();
      await schema.drop();
    });
    await secretRotationScenario({ database, cliEnv: { DATABASE_URL: schema.url }, cliArgs: [] });
  });
});
