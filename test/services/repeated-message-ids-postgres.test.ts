/**
 * When a new message repeating a messageId is a retry (ADR 0046), on
 * PostgreSQL: the lookup by messageId goes through the store's batched
 * lookup function there, not SQLite's index, so the same tests run on both
 * (SQLite: test/integration/runtime/repeated-message-ids.test.ts).
 */
import { after, before, describe } from 'node:test';
import { startRuntime } from '../helpers/runtime-fixture.js';
import { messageRetryTests } from '../helpers/message-retry-scenarios.js';
import { REDIS_URL, createTestSchema, postgresSkipReason, redisSkipReason, type TestSchema } from '../helpers/services.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

describe('a new message repeating a messageId (PostgreSQL)', { skip }, () => {
  let schema: TestSchema;
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    schema = await createTestSchema();
    runtime = await startRuntime(undefined, { databaseUrl: schema.url, redisUrl: REDIS_URL });
  });
  after(async () => {
    await runtime?.close();
    await schema?.drop();
  });

  messageRetryTests(() => runtime.url, () => 'https://receiver.invalid/hook');
});
