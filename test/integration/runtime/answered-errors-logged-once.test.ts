/**
 * Every error a binding answers a call with is logged once, whichever binding answered it and whether
 * or not a stream had begun: a failure whose cause only the log keeps at error level, an error the
 * caller is told with a 5xx status at warn. Real runtimes on port 0; gRPC through the SDK's client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetTaskRequest, SubscribeToTaskRequest } from '@a2a-js/sdk';
import { connectAgent } from '../../../src/cli/index.js';
import { createLogger } from '../../../src/observability/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { holdUntilCanceled, rpc, startRuntime, startRuntimeOnDatabase, userMessage } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { until } from '../../helpers/until.js';

type LogRecord = Record<string, unknown>;
const WARN = 40;
const ERROR = 50;

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

describe('an internal error', () => {
  const env = startedForSuite(() => startRuntimeOnDatabase({ grpcPort: 0 }));

  const errorLines = (): LogRecord[] => env().log.records().filter((r) => typeof r['level'] === 'number' && r['level'] >= ERROR && /failed/.test(String(r['msg'])));
  /** A task waiting until canceled. */
  const waiting = async (): Promise<string> => {
    const { body } = await rpc(env().url, 'SendMessage', { message: userMessage('hold', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    const id = body.result?.task?.id as string;
    assert.equal(typeof id, 'string', JSON.stringify(body));
    return id;
  };

  test('over v0.3 gRPC is logged once', async () => {
    const id = await waiting();
    // A snapshot that no longer parses: reading the task fails inside the runtime.
    env().database.sqlite!.prepare('UPDATE tasks SET snapshot = ? WHERE id = ?').run('not json', id);
    const before = errorLines().length;
    const { client } = await connectAgent({ url: env().url, protocol: '0.3', binding: 'grpc' });
    await assert.rejects(client.getTask(GetTaskRequest.fromJSON({ id })));
    await until('the failure to be logged', () => errorLines().length > before);
    // Room for a second line, were one written.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(errorLines().length - before, 1, JSON.stringify(errorLines().slice(before)));
  });

  test('once a stream has begun is logged once, with its task, on every binding', async () => {
    const ids = { jsonrpc: await waiting(), rest: await waiting(), legacy: await waiting(), grpc: await waiting() };
    const opened: Array<Promise<unknown>> = [];
    const jsonRpc = await fetch(env().url, { method: 'POST', headers: { 'A2A-Version': '1.0', 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: ids.jsonrpc } }) });
    const rest = await fetch(`${env().url}/tasks/${ids.rest}:subscribe`, { method: 'POST', headers: { 'A2A-Version': '1.0' } });
    const legacy = await fetch(env().url, { method: 'POST', headers: { 'A2A-Version': '0.3', 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/resubscribe', params: { id: ids.legacy } }) });
    for (const response of [jsonRpc, rest, legacy]) {
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      opened.push(response.text());
    }
    const { client } = await connectAgent({ url: env().url, protocol: '1.0', binding: 'grpc' });
    const grpcEvents: unknown[] = [];
    let began!: () => void;
    const grpcFirst = { promise: new Promise<void>((resolve) => (began = resolve)), resolve: () => began() };
    const grpcDone = (async () => {
      try {
        for await (const e of client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: ids.grpc }))) {
          grpcEvents.push(e);
          grpcFirst.resolve();
        }
      } catch (err) {
        grpcFirst.resolve();
        return err;
      }
      return undefined;
    })();
    await grpcFirst.promise;
    assert.equal(grpcEvents.length, 1, 'the gRPC stream began');
    // Give the HTTP streams the time to send their first event and follow the task live.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = errorLines().length;
    // The log's table gone: the next poll of every live stream fails inside the runtime (within 2 s).
    env().database.sqlite!.exec('ALTER TABLE task_events RENAME TO task_events_away');
    try {
      const texts = (await Promise.all(opened)) as string[];
      for (const text of texts) assert.match(text, /Internal error \(request id/);
      assert.ok((await grpcDone) !== undefined, 'the gRPC stream ended with an error');
    } finally {
      env().database.sqlite!.exec('ALTER TABLE task_events_away RENAME TO task_events');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = errorLines().slice(before);
    for (const id of Object.values(ids)) {
      const ofTask = lines.filter((r) => r['taskId'] === id);
      assert.equal(ofTask.length, 1, `one line for task ${id}: ${JSON.stringify(lines)}`);
      assert.doesNotMatch(JSON.stringify(ofTask[0]), /authorization|bearer/i);
    }
    assert.equal(lines.length, 4, JSON.stringify(lines));
  });
});
