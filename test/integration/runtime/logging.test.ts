import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/observability/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { rpc, userMessage } from '../../helpers/runtime-fixture.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

test("a skill's log lines carry the request id and trace id of the request that started the task", async () => {
  const { stream: destination, records } = memoryDestination();
  const agent = oneSkillAgent({ name: 'logger', description: 'Logs' }, 'speak', {
    description: 'Logs a line, then fails',
    handler: async (_: string, ctx) => {
      ctx.log.info({ traceparentSeen: ctx.traceparent }, 'hello from the skill');
      throw new Error('on purpose');
    },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-log-'));
  const runtime = await createRuntime({ agents: [agent], logger: createLogger({ level: 'info', destination }), config: { port: 0, dataDir } });
  try {
    const { url } = await runtime.listen();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('hi') }, { 'A2A-Version': '1.0', 'x-request-id': 'req-log-42', traceparent });
    assert.equal(body.result.task.status.state, 'TASK_STATE_FAILED');
    const said = records().find((l) => l['msg'] === 'hello from the skill');
    assert.ok(said, 'the skill line was logged');
    assert.equal(said['reqId'], 'req-log-42');
    assert.equal(said['traceId'], traceId);
    assert.equal(said['traceparentSeen'], traceparent);
    assert.ok(typeof said['taskId'] === 'string');
    const failed = records().find((l) => l['msg'] === 'skill handler failed');
    assert.equal(failed?.['reqId'], 'req-log-42');
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
