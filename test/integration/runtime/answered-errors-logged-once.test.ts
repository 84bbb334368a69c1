/**
 * Every error a binding answers a call with is logged once, whichever binding answered it and whether
 * or not a stream had begun: a failure whose cause only the log keeps at error level, an error the
 * caller is told with a 5xx status at warn. Real runtimes on port 0; gRPC through the SDK's client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/observability/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { holdUntilCanceled, rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';

type LogRecord = Record<string, unknown>;
const WARN = 40;

describe('an error the caller is told with a 5xx status (an agent at capacity)', () => {
  const log = memoryDestination();
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let url: string;
  before(async () => {
    const holder = defineAgent({ card: { name: 'holder', description: 'Holds one task' }, defaultSkill: 'wait', maxConcurrentTasks: 1, skills: { wait: holdUntilCanceled({ description: 'Holds', progress: 'holding' }) } });
    env = await startRuntime([holder], { queueLimit: 0 }, { logger: createLogger({ level: 'info', destination: log.stream }) });
    url = env.url;
    // The one slot taken: every further message is refused with 503 TASK_QUEUE_FULL.
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('first'), configuration: { returnImmediately: true } });
    assert.equal(typeof body.result?.task?.id, 'string', JSON.stringify(body));
  });
  after(async () => {
    await env.close();
  });

  /** The lines logged for request `reqId` at warn and above. */
  const linesOf = (reqId: string): LogRecord[] => log.records().filter((r) => r['reqId'] === reqId && typeof r['level'] === 'number' && r['level'] >= WARN);

  const sends: Array<[string, (reqId: string) => Promise<number>]> = [
    ['JSON-RPC', async (reqId) => (await rpc(url, 'SendMessage', { message: userMessage('more') }, { 'A2A-Version': '1.0', 'x-request-id': reqId })).status],
    [
      'HTTP+JSON',
      async (reqId) => {
        const response = await fetch(`${url}/message:send`, { method: 'POST', headers: { 'A2A-Version': '1.0', 'content-type': 'application/json', 'x-request-id': reqId }, body: JSON.stringify({ message: userMessage('more') }) });
        await response.arrayBuffer();
        return response.status;
      },
    ],
    [
      'ACP',
      async (reqId) => {
        const body = { agent_name: 'holder', mode: 'async', input: [{ role: 'user', parts: [{ content_type: 'text/plain', content: 'more' }] }] };
        const response = await fetch(`${url}/acp/runs`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': reqId }, body: JSON.stringify(body) });
        await response.arrayBuffer();
        return response.status;
      },
    ],
  ];
  for (const [binding, send] of sends) {
    test(`${binding} logs it once, at warn, with its code`, async () => {
      const reqId = `capacity-${binding.replace(/\W/g, '')}`;
      const status = await send(reqId);
      if (binding !== 'JSON-RPC') assert.equal(status, 503);
      const lines = linesOf(reqId);
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]!['level'], WARN);
      assert.equal(lines[0]!['code'], 'AM_ERR_TASK_QUEUE_FULL');
    });
  }
});
