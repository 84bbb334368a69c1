import { after, before, describe, it } from 'node:test';
import { hundredThousandItemMapSurvivesKill } from '../helpers/ledger-map-kill.js';
import { createTestSchema, postgresSkipReason, REDIS_URL, redisSkipReason, type TestSchema } from '../helpers/services.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

describe('a 100,000-item map on PostgreSQL + Redis, its orchestrator killed mid-map (processes)', { skip }, () => {
  let schema: TestSchema;
  before(async () => {
    schema = await createTestSchema();
  });
  after(() => schema?.drop());

  it('completes after a restart on the same data, each batch applied once though two agent instances share the work', async () => {
    // Two agent processes on one schema: a batch sent again may reach the instance that did not apply it.
    await hundredThousandItemMapSurvivesKill({ databaseUrl: schema.url, redisUrl: REDIS_URL, agentInstances: 2 });
  });
});
