import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';

/*
 * The runtime at the edges of the A2A wire, through both bindings
 * on a real runtime. See docs/conformance.md for the decision behind each.
 */
const V1 = { 'A2A-Version': '1.0' };
const JSON_V1 = { 'content-type': 'application/json', ...V1 };

describe('the runtime at the edges of the wire', () => {
  let rt: Awaited<ReturnType<typeof startRuntime>>;
  let agent: string;
  before(async () => {
    rt = await startRuntime();
    agent = rt.agents['tester']!;
  });
  after(async () => rt.close());

  describe('ProtoJSON proto field names are accepted (A2A §5.5)', () => {
    test('JSON-RPC: SendMessage with message_id/context_id and configuration.history_length, GetTask with history_length', async () => {
      const sent = await rpc(agent, 'SendMessage', { message: { message_id: crypto.randomUUID(), context_id: 'ctx-proto-names', role: 'ROLE_USER', parts: [{ text: 'hi', media_type: 'text/plain' }] }, configuration: { history_length: 0, return_immediately: false } });
      assert.equal(sent.body.error, undefined, JSON.stringify(sent.body));
      const task = sent.body.result.task;
      assert.equal(task.contextId, 'ctx-proto-names');
      assert.equal(task.history, undefined);
      const got = await rpc(agent, 'GetTask', { id: task.id, history_length: 1 });
      assert.equal(got.body.result.history.length, 1);
      const listed = await rpc(agent, 'ListTasks', { context_id: 'ctx-proto-names', page_size: 1 });
      assert.equal(listed.body.result.tasks[0].id, task.id);
    });

    test('REST: message:send body, query parameters and a push config body in proto names', async () => {
      const response = await fetch(`${agent}/message:send`, { method: 'POST', headers: JSON_V1, body: JSON.stringify({ message: { message_id: crypto.randomUUID(), context_id: 'ctx-rest-proto', role: 'ROLE_USER', parts: [{ text: 'hi' }] } }) });
      assert.equal(response.status, 200, await response.clone().text());
      const { task } = (await response.json()) as { task: { id: string; contextId: string } };
      assert.equal(task.contextId, 'ctx-rest-proto');
      const got = (await (await fetch(`${agent}/tasks/${task.id}?history_length=0`, { headers: V1 })).json()) as { history?: unknown[] };
      assert.equal(got.history, undefined);
      const page = (await (await fetch(`${agent}/tasks?context_id=ctx-rest-proto&page_size=1`, { headers: V1 })).json()) as { tasks: Array<{ id: string }> };
      assert.deepEqual(page.tasks.map((t) => t.id), [task.id]);
    });

    test('a field under both names is refused with -32602', async () => {
      const sent = await rpc(agent, 'SendMessage', { message: { messageId: 'a', message_id: 'b', role: 'ROLE_USER', parts: [{ text: 'hi' }] } });
      assert.equal(sent.body.error?.code, -32602);
      assert.match(sent.body.error.message, /message\.messageId/);
    });
  });

  describe('ListTasks answers every required field, zeros included (proto ListTasksResponse)', () => {
    test('JSON-RPC: an empty page says totalSize 0', async () => {
      const listed = await rpc(agent, 'ListTasks', { contextId: 'ctx-nothing-here' });
      assert.deepEqual(listed.body.result, { tasks: [], nextPageToken: '', pageSize: 50, totalSize: 0 });
    });
    test('REST: an empty page says totalSize 0', async () => {
      const page = await (await fetch(`${agent}/tasks?contextId=ctx-nothing-here&pageSize=7`, { headers: V1 })).json();
      assert.deepEqual(page, { tasks: [], nextPageToken: '', pageSize: 7, totalSize: 0 });
    });
  });

  describe('a raw (bytes) part must be base64 (ProtoJSON bytes)', () => {
    const withRaw = (raw: string) => ({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'see file' }, { raw, mediaType: 'application/octet-stream' }] } });
    test('JSON-RPC: not base64 is -32602 naming the part', async () => {
      for (const raw of ['not base64!', 'abcde', 'YQ==YQ==', 'a']) {
        const sent = await rpc(agent, 'SendMessage', withRaw(raw));
        assert.equal(sent.body.error?.code, -32602, `${raw}: ${JSON.stringify(sent.body)}`);
        assert.match(sent.body.error.message, /message\.parts\[1\]\.raw must be base64/);
      }
    });
    test('REST: not base64 is 400', async () => {
      const response = await fetch(`${agent}/message:send`, { method: 'POST', headers: JSON_V1, body: JSON.stringify(withRaw('%%%')) });
      assert.equal(response.status, 400);
    });
    test('standard and URL-safe base64, padded or not, are accepted', async () => {
      for (const raw of ['', 'aGk=', 'aGk', 'AAEC_-8=', 'AAEC/+8']) {
        const sent = await rpc(agent, 'SendMessage', withRaw(raw));
        assert.equal(sent.body.error, undefined, `${raw}: ${JSON.stringify(sent.body)}`);
      }
    });
  });

  describe('v0.3 refuses a negative historyLength as v1 does (A2A §3.2.4)', () => {
    const V03 = { 'A2A-Version': '0.3' };
    test('tasks/get with historyLength -1 is -32602 and the v1 GetTask too', async () => {
      const sent = await rpc(agent, 'message/send', { message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'hi' }] } }, V03);
      const id = sent.body.result.id as string;
      const legacy = await rpc(agent, 'tasks/get', { id, historyLength: -1 }, V03);
      assert.equal(legacy.body.error?.code, -32602, JSON.stringify(legacy.body));
      assert.match(legacy.body.error.message, /historyLength/);
      const v1 = await rpc(agent, 'GetTask', { id, historyLength: -1 });
      assert.equal(v1.body.error?.code, -32602);
      const ok = await rpc(agent, 'tasks/get', { id, historyLength: 1 }, V03);
      assert.equal(ok.body.result.history.length, 1);
    });
    test('message/send with configuration.historyLength -1 is -32602 before any task is made', async () => {
      const sent = await rpc(agent, 'message/send', { message: { kind: 'message', messageId: crypto.randomUUID(), contextId: 'ctx-v03-negative', role: 'user', parts: [{ kind: 'text', text: 'hi' }] }, configuration: { historyLength: -1 } }, V03);
      assert.equal(sent.body.error?.code, -32602, JSON.stringify(sent.body));
      const listed = await rpc(agent, 'ListTasks', { contextId: 'ctx-v03-negative' });
      assert.equal(listed.body.result.totalSize, 0);
    });
  });

  describe('v0.3 file.bytes must be base64 as v1 raw is (A2A 0.3 FileWithBytes)', () => {
    const V03 = { 'A2A-Version': '0.3' };
    const withBytes = (bytes: string, contextId: string) => ({
      message: { kind: 'message', messageId: crypto.randomUUID(), contextId, role: 'user', parts: [{ kind: 'text', text: 'see file' }, { kind: 'file', file: { bytes, mimeType: 'application/octet-stream' } }] },
    });
    test('JSON-RPC message/send: not base64 is -32602 naming the part, before any task is made', async () => {
      for (const bytes of ['not base64!', 'abcde', 'YQ==YQ==']) {
        const sent = await rpc(agent, 'message/send', withBytes(bytes, 'ctx-v03-bytes'), V03);
        assert.equal(sent.body.error?.code, -32602, `${bytes}: ${JSON.stringify(sent.body)}`);
        assert.match(sent.body.error.message, /message\.parts\[1\]\.file\.bytes must be base64/);
      }
      const listed = await rpc(agent, 'ListTasks', { contextId: 'ctx-v03-bytes' });
      assert.equal(listed.body.result.totalSize, 0);
    });
    // v0.3 HTTP+JSON is ProtoJSON of the v0.3 proto: `content`, and bytes under `file.fileWithBytes`.
    test('REST /v1/message:send: not base64 is 400', async () => {
      const response = await fetch(`${agent}/v1/message:send`, { method: 'POST', headers: { 'content-type': 'application/json', ...V03 }, body: JSON.stringify({ message: { messageId: crypto.randomUUID(), contextId: 'ctx-v03-bytes-rest', role: 'ROLE_USER', content: [{ text: 'see file' }, { file: { fileWithBytes: '%%%', mimeType: 'application/octet-stream' } }] } }) });
      assert.equal(response.status, 400, await response.clone().text());
      assert.match(await response.text(), /message\.content\[1\]\.file\.fileWithBytes must be base64/);
    });
    test('valid base64 is accepted and reads back as the same bytes', async () => {
      const sent = await rpc(agent, 'message/send', withBytes('AAEC/+8=', 'ctx-v03-bytes-ok'), V03);
      assert.equal(sent.body.error, undefined, JSON.stringify(sent.body));
      const file = sent.body.result.history[0].parts[1].file;
      assert.equal(file.bytes, 'AAEC/+8=');
    });
  });

  describe('Content-Encoding of request bodies (RFC 9110 §8.4)', () => {
    const sendBody = () => JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'zipped' }] } } });
    const post = (url: string, body: Uint8Array | string, encoding: string) => fetch(url, { method: 'POST', headers: { ...JSON_V1, 'content-encoding': encoding }, body });

    test('JSON-RPC: gzip, x-gzip, deflate and br bodies are decoded', async () => {
      for (const [encoding, encode] of [['gzip', gzipSync], ['x-gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync], ['identity', (b: Buffer) => b]] as const) {
        const response = await post(agent, encode(Buffer.from(sendBody())), encoding);
        const body = (await response.json()) as { id: number; result?: { task: { status: { state: string } } } };
        assert.equal(body.result?.task.status.state, 'TASK_STATE_COMPLETED', `${encoding}: ${JSON.stringify(body)}`);
      }
    });

    test('REST: a gzip body is decoded', async () => {
      const body = JSON.stringify({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'zipped' }] } });
      const response = await post(`${agent}/message:send`, gzipSync(body), 'gzip');
      assert.equal(response.status, 200, await response.clone().text());
    });

    test('a plain body labelled gzip is a 400 parse error naming the coding, in both bindings', async () => {
      const rpcAnswer = await post(agent, sendBody(), 'gzip');
      assert.equal(rpcAnswer.status, 400);
      const rpcBody = (await rpcAnswer.json()) as { error: { code: number; message: string } };
      assert.equal(rpcBody.error.code, -32700);
      assert.match(rpcBody.error.message, /not valid gzip/);
      const rest = await post(`${agent}/message:send`, '{"message":{}}', 'gzip');
      assert.equal(rest.status, 400);
      assert.match(((await rest.json()) as { error: { message: string } }).error.message, /not valid gzip/);
    });

    test('an unsupported coding is 415 with Accept-Encoding, in both bindings', async () => {
      for (const url of [agent, `${agent}/message:send`]) {
        const response = await post(url, sendBody(), 'zstd');
        assert.equal(response.status, 415);
        assert.equal(response.headers.get('accept-encoding'), 'gzip, deflate, br');
        await response.body?.cancel();
      }
    });

    test('a body over the limit once decoded is 413 (a small gzip bomb)', async () => {
      const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
      assert.ok(bomb.length < 64 * 1024);
      const response = await post(agent, bomb, 'gzip');
      assert.equal(response.status, 413);
      const body = (await response.json()) as { error: { code: number } };
      assert.equal(body.error.code, -32600);
    });
  });
});

describe('a runtime cuts slow clients at its configured deadlines', () => {
  let rt: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    rt = await startRuntime(undefined, { headersTimeoutMs: 300, requestTimeoutMs: 600 });
  });
  after(async () => rt.close());

  /** Sends the headers, then one body byte every 50 ms (30 s in all); resolves with the answer's status line and whether bytes were still due. */
  const trickleBody = (url: URL) =>
    new Promise<{ statusLine: string; stillTrickling: boolean }>((resolve, reject) => {
      const body = 'x'.repeat(600);
      let sent = 0;
      let received = '';
      let timer: NodeJS.Timeout | undefined;
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nA2A-Version: 1.0\r\nContent-Length: ${body.length}\r\n\r\n`);
        timer = setInterval(() => sent < body.length && socket.write(body[sent++]!), 50);
      });
      socket.on('data', (chunk) => (received += String(chunk)));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ statusLine: received.split('\r\n')[0] ?? '', stillTrickling: sent < body.length });
      });
    });

  test('a trickling JSON-RPC body gets 408 while it is still trickling', async () => {
    const result = await trickleBody(new URL(rt.agents['tester']!));
    assert.equal(result.statusLine, 'HTTP/1.1 408 Request Timeout');
    assert.ok(result.stillTrickling);
  });
});
