/**
 * The agent caller's own reader of A2A JSON-RPC streams (json-rpc-stream.ts,
 * ADR 0082) against a real HTTP server, through both ways of sending
 * (an undici dispatcher, a fetch): events cut anywhere (inside an event, a
 * line, a UTF-8 character) come out as sent, in the SDK's wire types; each
 * refusal an agent or a gateway answers is classified as the SDK-read one
 * was (status, Retry-After, JSON-RPC code, ErrorInfo code), and a malformed
 * answer is a transient failure, never a crash.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Agent } from 'undici';
import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { streamJsonRpc } from '../../../src/orchestrator/calls/json-rpc-stream.js';
import { postThroughDispatcher, postThroughFetch, type StreamingPost } from '../../../src/orchestrator/calls/streaming-post.js';
import { classifyFailure, type CallFailure } from '../../../src/orchestrator/calls/call-failure.js';
import { createAgentCaller } from '../../../src/orchestrator/index.js';

/** What the server answers a request with: the test puts it in a header, so one server serves every case. */
interface Script {
  status: number;
  headers: Record<string, string>;
  /** The body's chunks, each written and flushed on its own, as bytes (one char a byte: latin1). */
  chunks: string[];
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

let server: Server;
let url: string;
const dispatcher = new Agent({ keepAliveTimeout: 1_000 });
const posts: Record<string, StreamingPost> = { dispatcher: postThroughDispatcher(dispatcher), fetch: postThroughFetch(fetch) };
/** The JSON-RPC requests the server received, last first. */
const received: Array<{ body: Record<string, unknown>; headers: IncomingMessage['headers'] }> = [];

before(async () => {
  server = createServer(async (req, res) => {
    received.unshift({ body: JSON.parse(await readBody(req)), headers: req.headers });
    const scripted = req.headers['x-script'];
    // Unscripted (a call from the agent caller): a task that completes at once.
    const script: Script = scripted === undefined ? { status: 200, headers: SSE, chunks: [sse(taskEvent(), Number(received[0]!.body['id']))] } : JSON.parse(Buffer.from(String(scripted), 'base64url').toString());
    res.writeHead(script.status, script.headers);
    for (const chunk of script.chunks) {
      // Each chunk its own write: the client reads them as they come, one TCP segment or several.
      await new Promise<void>((resolve) => res.write(Buffer.from(chunk, 'latin1'), () => resolve()));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agents/echo`;
});

after(async () => {
  await dispatcher.close();
  await new Promise((resolve) => server.close(resolve));
});

const id = 1;
async function read(post: StreamingPost, script: Script): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  const headers = { 'x-script': Buffer.from(JSON.stringify(script)).toString('base64url'), authorization: 'Bearer t' };
  for await (const event of streamJsonRpc(post, url, 'SendStreamingMessage', { message: { messageId: 'm' } }, { id, headers, signal: AbortSignal.timeout(10_000) })) events.push(event);
  return events;
}

async function failureOf(post: StreamingPost, script: Script): Promise<CallFailure> {
  try {
    await read(post, script);
  } catch (err) {
    return classifyFailure(err, undefined);
  }
  assert.fail('the stream was read without a failure');
}

const SSE = { 'content-type': 'text/event-stream' };
const statusEvent = (text: string, state: TaskState): Record<string, unknown> =>
  StreamResponse.toJSON({
    payload: {
      $case: 'statusUpdate',
      value: { taskId: 't-1', contextId: 'c-1', status: { state, message: { messageId: 'a', contextId: 'c-1', taskId: 't-1', role: 2, parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' }], metadata: undefined, extensions: [], referenceTaskIds: [] }, timestamp: undefined }, metadata: undefined },
    },
  }) as Record<string, unknown>;
const taskEvent = (): Record<string, unknown> =>
  StreamResponse.toJSON({ payload: { $case: 'task', value: { id: 't-2', contextId: 'c-2', status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined }, artifacts: [], history: [], metadata: undefined } } }) as Record<string, unknown>;
const sse = (result: unknown, rid = id) => `data: ${JSON.stringify({ jsonrpc: '2.0', id: rid, result })}\n\n`;

/**
 * The network coalesces writes (a server's chunks reach the reader as the
 * kernel pleases), so cuts are made here: the answer's body is handed over
 * in exactly the chunks drawn.
 */
function chunkedPost(chunks: Uint8Array[]): StreamingPost {
  return async () => ({
    status: 200,
    header: (name) => (name === 'content-type' ? 'text/event-stream' : undefined),
    body: (async function* () {
      yield* chunks;
    })(),
    text: async () => Buffer.concat(chunks).toString(),
  });
}

test('events cut at any byte (inside an event, a line, a UTF-8 character) come out as sent, in order, in the wire types', async () => {
  const texts = fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { minLength: 1, maxLength: 6 });
  await fc.assert(
    fc.asyncProperty(texts, fc.array(fc.nat(), { maxLength: 12 }), async (sent, cuts) => {
      const body = Buffer.from(sent.map((text, i) => sse(statusEvent(text, i === sent.length - 1 ? TaskState.TASK_STATE_COMPLETED : TaskState.TASK_STATE_WORKING))).join(''));
      const at = [...new Set(cuts.map((c) => c % body.length))].sort((a, b) => a - b);
      const chunks = [0, ...at].map((start, i) => body.subarray(start, at[i] ?? body.length)).filter((c) => c.length > 0);
      const events: StreamResponse[] = [];
      for await (const event of streamJsonRpc(chunkedPost(chunks), url, 'SendStreamingMessage', {}, { id, headers: {}, signal: AbortSignal.timeout(10_000) })) events.push(event);
      assert.deepEqual(
        events.map((e) => (e.payload?.$case === 'statusUpdate' ? e.payload.value.status?.message?.parts[0]?.content : undefined)),
        sent.map((text) => ({ $case: 'text', value: text })),
      );
    }),
    { numRuns: 200 },
  );
});

for (const [name, post] of Object.entries(posts)) {
  describe(`streams read through ${name}`, () => {
    test('the request is A2A 1.0 JSON-RPC: the method, its params, its id, the version and the caller\'s headers', async () => {
      await read(post, { status: 200, headers: SSE, chunks: [sse(statusEvent('done', TaskState.TASK_STATE_COMPLETED))] });
      const last = received[0]!;
      assert.equal(last.body['jsonrpc'], '2.0');
      assert.equal(last.body['method'], 'SendStreamingMessage');
      assert.equal(last.body['id'], id);
      assert.deepEqual(last.body['params'], { message: { messageId: 'm' } });
      assert.equal(last.headers['a2a-version'], '1.0');
      assert.equal(last.headers['accept'], 'text/event-stream');
      assert.equal(last.headers['authorization'], 'Bearer t');
    });

    test('a quota refusal (429) is transient and keeps its Retry-After and its codes', async () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32011, message: 'quota spent', data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA', domain: 'agentmesh.dev', metadata: { code: 'AM_ERR_GATEWAY_QUOTA_EXCEEDED' } }] } });
      const failure = await failureOf(post, { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '3' }, chunks: [body] });
      assert.deepEqual({ transient: failure.transient, retryAfterMs: failure.retryAfterMs, code: failure.code, message: failure.message }, { transient: true, retryAfterMs: 3000, code: 'AM_ERR_GATEWAY_QUOTA_EXCEEDED', message: 'quota spent' });
    });

    test('a 401 asks for a new token; a 403 or a 404 is final; a 502 without a JSON-RPC body is transient', async () => {
      assert.equal((await failureOf(post, { status: 401, headers: {}, chunks: ['no'] })).unauthorized, true);
      assert.equal((await failureOf(post, { status: 403, headers: {}, chunks: ['forbidden'] })).transient, false);
      assert.equal((await failureOf(post, { status: 404, headers: {}, chunks: [] })).transient, false);
      const upstream = await failureOf(post, { status: 502, headers: { 'content-type': 'text/html' }, chunks: ['<h1>bad gateway</h1>'] });
      assert.deepEqual({ transient: upstream.transient, message: upstream.message }, { transient: true, message: 'HTTP 502: <h1>bad gateway</h1>' });
    });

    test('a redirect is final and not followed', async () => {
      const failure = await failureOf(post, { status: 302, headers: { location: 'http://elsewhere.example/' }, chunks: [] });
      assert.equal(failure.transient, false);
      assert.match(failure.message, /redirect/);
    });

    test('a JSON-RPC error answered with 200 (an agent refusing the request) is classified by its codes', async () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32602, message: 'bad input', data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X', domain: 'agentmesh.dev', metadata: { code: 'AM_ERR_PROTOCOL_INVALID_PARAMS' } }] } });
      const failure = await failureOf(post, { status: 200, headers: { 'content-type': 'application/json' }, chunks: [body] });
      assert.deepEqual({ transient: failure.transient, code: failure.code, message: failure.message }, { transient: false, code: 'AM_ERR_PROTOCOL_INVALID_PARAMS', message: 'bad input' });
    });

    test('an error event inside the stream ends it with that error', async () => {
      const error = `data: ${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'queue full', data: [{ metadata: { code: 'AM_ERR_TASK_QUEUE_FULL' } }] } })}\n\n`;
      const failure = await failureOf(post, { status: 200, headers: SSE, chunks: [sse(statusEvent('working', TaskState.TASK_STATE_WORKING)), error] });
      assert.deepEqual({ transient: failure.transient, code: failure.code }, { transient: true, code: 'AM_ERR_TASK_QUEUE_FULL' });
    });

    test('malformed answers are transient failures: not JSON, not JSON-RPC, another request\'s id, no result, not a stream', async () => {
      for (const chunk of ['data: {oops\n\n', 'data: {"id":1}\n\n', sse(statusEvent('x', TaskState.TASK_STATE_WORKING), id + 1000), `data: ${JSON.stringify({ jsonrpc: '2.0', id })}\n\n`]) {
        const failure = await failureOf(post, { status: 200, headers: SSE, chunks: [chunk] });
        assert.equal(failure.transient, true, chunk);
        assert.match(failure.message, /the connection failed: an event of the stream/, chunk);
      }
      const html = await failureOf(post, { status: 200, headers: { 'content-type': 'text/html' }, chunks: ['<p>hello</p>'] });
      assert.equal(html.transient, true);
      assert.match(html.message, /not an event stream/);
    });
  });
}

test("the caller's streams go through the dispatcher it is given", async () => {
  const seen: string[] = [];
  const counting = dispatcher.compose((dispatch) => (options, handler) => {
    seen.push(`${options.method} ${options.path}`);
    return dispatch(options, handler);
  });
  const caller = createAgentCaller({ directUrl: () => url, dispatcher: counting });
  const outcome = await caller.send({ agent: 'echo', input: 'hi', messageId: 'through-the-pool', onBehalfOf: { tenant: 'acme' }, signal: AbortSignal.timeout(10_000) });
  assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
  assert.deepEqual(seen, ['POST /agents/echo']);
  assert.equal(received[0]!.body['method'], 'SendStreamingMessage');
});
