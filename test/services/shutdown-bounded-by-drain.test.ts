/**
 * `runtime.close()` finishes within its drain deadline even when a
 * task's final write never settles. The write is held for real: another
 * PostgreSQL session locks the task's row, so the runtime's FAILED write at
 * shutdown blocks until that session lets go.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger } from '../../src/observability/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { rpc, testAgent } from '../helpers/runtime-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';
import { memoryDestination } from '../helpers/memory-log.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const skip = await postgresSkipReason();

describe('shutdown is bounded by the drain deadline', { skip }, () => {
  let schema: TestSchema;
  let dataDir: string;
  before(async () => {
    schema = await createTestSchema();
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-shutdown-'));
  });
  after(async () => {
    await schema.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a task whose final write is blocked is abandoned at the deadline, and logged', async () => {
    const { stream: destination, lines } = memoryDestination();
    const logger = createLogger({ level: 'error', destination });
    const runtime = await createRuntime({ agents: [testAgent], logger, config: { port: 0, host: '127.0.0.1', dataDir, databaseUrl: schema.url, shutdownDeadlineMs: 500 } });
    const { agents } = await runtime.listen();
    const sent = await rpc(agents['tester']!, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hold' }], metadata: { skillId: 'wait' } }, configuration: { returnImmediately: true } });
    const taskId = sent.body.result.task.id as string;

    const locker = new pg.Client({ connectionString: schema.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM tasks WHERE id = $1 FOR UPDATE', [taskId]);
      // Without the bound this never resolves while the lock is held (the test would time out).
      assert.equal(runtime.engine.activeRuns, 1);
      await runtime.close();
      const abandoned = lines.map((l) => JSON.parse(l) as { msg: string; tasks?: Array<{ taskId: string }> }).find((l) => /shutdown abandoned/.test(l.msg));
      assert.ok(abandoned, `no abandonment logged: ${lines.join('')}`);
      assert.deepEqual(abandoned.tasks?.map((t) => t.taskId), [taskId]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });
});
