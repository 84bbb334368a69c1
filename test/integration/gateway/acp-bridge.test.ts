import { after, before, describe, test } from 'node:test';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { ClientFactory, JsonRpcTransportFactory, RestTransportFactory, type Client } from '@a2a-js/sdk/client';
import { Role, TaskState, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import { available, balanceTotal, createClient, fetchToken, startGateway } from '../../helpers/gateway-fixture.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { cancelHeldRun, followReleasedRun, startBridgedAgents, type BridgedAgents } from './acp-bridge-harness.js';

/*
 * The gateway's bridge: an A2A client (the official SDK, over
 * JSON-RPC and HTTP+JSON) calls ACP agents registered as bridged, through the
 * gateway, as it calls native ones. The ACP agents are the tests' reference
 * server (written from the ACP document, not from src/acp), which checks
 * every request the bridge sends and every answer and event it gives against
 * openapi.yaml: a bridge that sent a non-conforming run request would fail here.
 */

const PRICE = 2;

function text(message: string, extra: Partial<Message> = {}): Message {
  return { messageId: crypto.randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: message }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [], referenceTaskIds: [], ...extra };
}

function sendParams(message: Message, returnImmediately = false) {
  return { tenant: '', message, configuration: returnImmediately ? { acceptedOutputModes: [], historyLength: undefined, returnImmediately: true, taskPushNotificationConfig: undefined } : undefined, metadata: undefined };
}

function textOf(task: Task): string {
  return task.artifacts.flatMap((a) => a.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : ''))).join('');
}

for (const binding of ['JSONRPC', 'HTTP+JSON'] as const) {
  describe(`an SDK client calls bridged ACP agents through the gateway (${binding})`, () => {
    let bridged: BridgedAgents;
    let acp: BridgedAgents['acp'];
    let gw: BridgedAgents['gw'];
    let token: string;
    const clients = new Map<string, Client>();
    const urls: string[] = [];
    const tenant = `acme-${binding === 'JSONRPC' ? 'rpc' : 'rest'}`;

    before(async () => {
      bridged = await startBridgedAgents({ creditsPerCall: PRICE, tenant, clientName: 'a' });
      ({ acp, gw, token } = bridged);
    });
    after(() => bridged?.close());

    async function client(agent: string, bearer = token): Promise<Client> {
      const key = `${agent} ${bearer}`;
      let c = clients.get(key);
      if (c === undefined) {
        const authed: typeof fetch = (input, init) => (urls.push(String(input)), fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), authorization: `Bearer ${bearer}` } }));
        const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: authed }), new RestTransportFactory({ fetchImpl: authed })], preferredTransports: [binding] });
        c = await factory.createFromUrl(`${gw.url}/agents/${agent}/.well-known/agent-card.json`, '');
        clients.set(key, c);
      }
      return c;
    }


    test('the served card offers the gateway\'s A2A bindings, not the ACP address', async () => {
      const res = await fetch(`${gw.url}/agents/echo/.well-known/agent-card.json`, { headers: { 'a2a-version': '1.0' } });
      assert.equal(res.status, 200);
      const card = (await res.json()) as any;
      const url = `${gw.url}/agents/echo`;
      assert.deepEqual(card.supportedInterfaces.map((i: any) => [i.protocolBinding, i.protocolVersion, i.url]), [['JSONRPC', '1.0', url], ['HTTP+JSON', '1.0', url], ['JSONRPC', '0.3', url]]);
    });

    test('SendMessage is a sync run: the task completes with the output, credits are charged, the run carries the tenant assertion', async () => {
      const before = await balanceTotal(gw.url, tenant);
      const seen = acp.authorizations.length;
      const result = (await (await client('echo')).sendMessage(sendParams(text('hello over ACP')))) as Task;
      assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(textOf(result), 'hello over ACP');
      assert.match(result.id, /^[0-9a-f-]{36}$/);
      assert.equal(acp.runs.get(result.id)?.['status'], 'completed');
      // A session per new context: the A2A context id is the ACP session id.
      assert.equal(acp.runs.get(result.id)?.['session_id'], result.contextId);
      const assertion = acp.authorizations.slice(seen).find((a) => a !== '');
      assert.match(assertion ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const claims = JSON.parse(Buffer.from(assertion!.split('.')[1]!, 'base64url').toString('utf8'));
      assert.equal(claims.tenant, tenant);
      assert.equal(claims.aud, 'agentmesh:agent:echo');
      await until('the charge to settle', async () => (await balanceTotal(gw.url, tenant)) === before - PRICE * 1000);
      // GetTask reads the run.
      const read = await (await client('echo')).getTask({ tenant: '', id: result.id, historyLength: undefined });
      assert.equal(read.status?.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(textOf(read), 'hello over ACP');
    });

    test('SendStreamingMessage is a stream run: task, status and artifact events, ending completed, without a Node warning', async () => {
      const events: StreamResponse[] = [];
      // The bridge and the relay each wait on the client's response: together they once passed Node's ten listeners.
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on('warning', onWarning);
      try {
        for await (const e of (await client('echo')).sendMessageStream(sendParams(text('streamed')))) events.push(e);
        await new Promise<void>((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
      assert.equal(events[0]?.payload?.$case, 'task');
      const artifacts = events.filter((e) => e.payload?.$case === 'artifactUpdate');
      assert.equal(artifacts.length, 1);
      const last = events.at(-1)!.payload;
      assert.equal(last?.$case, 'statusUpdate');
      assert.equal(last?.$case === 'statusUpdate' && last.value.status?.state, TaskState.TASK_STATE_COMPLETED);
      const artifact = artifacts[0]!.payload;
      assert.equal(artifact?.$case === 'artifactUpdate' && artifact.value.artifact?.parts[0]?.content?.$case === 'text' && artifact.value.artifact.parts[0].content.value, 'streamed');
    });

    test('an awaiting run is input-required, and the next message on the task resumes it (sync and stream)', async () => {
      const c = await client('interviewer');
      const asked = (await c.sendMessage(sendParams(text('start')))) as Task;
      assert.equal(asked.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
      const question = asked.status?.message?.parts[0]?.content;
      assert.equal(question?.$case === 'text' && question.value, 'What is your name?');
      const answered = (await c.sendMessage(sendParams(text('Ada', { taskId: asked.id, contextId: asked.contextId })))) as Task;
      assert.equal(answered.id, asked.id);
      assert.equal(answered.status?.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(textOf(answered), 'Hello, Ada');

      // The same over streams: the first stream ends at input-required, the resuming one starts with the task.
      const first: StreamResponse[] = [];
      for await (const e of c.sendMessageStream(sendParams(text('start')))) first.push(e);
      const ask = first.at(-1)!.payload;
      assert.equal(ask?.$case === 'statusUpdate' && ask.value.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
      const taskId = first[0]!.payload?.$case === 'task' ? first[0]!.payload.value.id : '';
      const second: StreamResponse[] = [];
      for await (const e of c.sendMessageStream(sendParams(text('Grace', { taskId, contextId: asked.contextId })))) second.push(e);
      assert.equal(second[0]?.payload?.$case, 'task');
      const done = second.at(-1)!.payload;
      assert.equal(done?.$case === 'statusUpdate' && done.value.status?.state, TaskState.TASK_STATE_COMPLETED);
      assert.ok(second.some((e) => e.payload?.$case === 'artifactUpdate' && e.payload.value.artifact?.parts[0]?.content?.$case === 'text' && e.payload.value.artifact.parts[0].content.value === 'Hello, Grace'));
    });

    test('CancelTask cancels the run, and the reserved credits come back', async () => {
      const own = await bridged.freshTenant('cancel');
      const before = await available(gw.url, own.tenant);
      const total = await balanceTotal(gw.url, own.tenant);
      const c = await client('holder', own.token);
      const started = (await c.sendMessage(sendParams(text('take your time'), true))) as Task;
      await cancelHeldRun({ acp, gw }, c, started, { tenant: own.tenant, before, price: PRICE });
      assert.equal(await balanceTotal(gw.url, own.tenant), total);
    });

    test('a streamed run cancelled meanwhile ends its stream canceled, and refunds its hold', async () => {
      const own = await bridged.freshTenant('stream-cancel');
      const before = await available(gw.url, own.tenant);
      const c = await client('holder', own.token);
      const events: StreamResponse[] = [];
      const streaming = (async () => {
        for await (const e of c.sendMessageStream(sendParams(text('stream then cancel')))) events.push(e);
      })();
      await until('the stream to start', async () => events.length > 0);
      const taskId = events[0]!.payload?.$case === 'task' ? events[0]!.payload.value.id : '';
      assert.ok(taskId);
      assert.equal(await available(gw.url, own.tenant), before - PRICE * 1000, 'the stream holds its price');
      const canceled = await c.cancelTask({ tenant: '', id: taskId, metadata: undefined });
      assert.equal(canceled.status?.state, TaskState.TASK_STATE_CANCELED);
      await streaming;
      const last = events.at(-1)!.payload;
      assert.equal(last?.$case === 'statusUpdate' && last.value.status?.state, TaskState.TASK_STATE_CANCELED);
      await until('the hold to be refunded', async () => (await available(gw.url, own.tenant)) === before);
    });

    test('SubscribeToTask follows the run until it ends', async () => {
      const c = await client('holder');
      const started = (await c.sendMessage(sendParams(text('subscribe to me'), true))) as Task;
      const events = await followReleasedRun(c, acp, started.id);
      assert.equal(events[0]?.payload?.$case, 'task');
      const last = events.at(-1)!.payload;
      assert.equal(last?.$case === 'statusUpdate' && last.value.status?.state, TaskState.TASK_STATE_COMPLETED);
    });

    test('an unknown task is not found; a finished run cannot be canceled', async () => {
      const c = await client('echo');
      await assert.rejects(c.getTask({ tenant: '', id: crypto.randomUUID(), historyLength: undefined }), /not found/i);
      await assert.rejects(c.getTask({ tenant: '', id: 'not-a-run', historyLength: undefined }), /not found/i);
      const done = (await c.sendMessage(sendParams(text('x')))) as Task;
      await assert.rejects(c.cancelTask({ tenant: '', id: done.id, metadata: undefined }));
    });

    test('another tenant\'s run is not found: get, cancel, resume, subscribe', async () => {
      const mine = (await (await client('interviewer')).sendMessage(sendParams(text('start')))) as Task;
      assert.equal(mine.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
      const intruder = await fetchToken(gw.url, await createClient(gw.url, { name: 'intruder', tenant: `${tenant}-other`, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
      const rpc = async (method: string, params: unknown) => {
        const res = await fetch(`${gw.url}/agents/interviewer`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${intruder}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
        return (await res.json()) as any;
      };
      for (const [method, params] of [
        ['GetTask', { id: mine.id }],
        ['CancelTask', { id: mine.id }],
        ['SubscribeToTask', { id: mine.id }],
        ['SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: mine.id, parts: [{ text: 'Mallory' }] } }],
      ] as const) {
        const answer = await rpc(method, params);
        assert.equal(answer.error?.code, -32001, `${method}: ${JSON.stringify(answer)}`);
      }
      // The run was left alone: its owner still resumes it.
      assert.equal(acp.runs.get(mine.id)?.['status'], 'awaiting');
      const done = (await (await client('interviewer')).sendMessage(sendParams(text('Ada', { taskId: mine.id, contextId: mine.contextId })))) as Task;
      assert.equal(textOf(done), 'Hello, Ada');
    });

    test('unsupported or malformed calls get the spec\'s error in the caller\'s binding, never a 5xx', async () => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'a2a-version': '1.0' };
      if (binding === 'JSONRPC') {
        const rpc = async (method: string, params: unknown, extra: Record<string, string> = {}) => {
          const res = await fetch(`${gw.url}/agents/echo`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }) });
          return { status: res.status, body: (await res.json()) as any };
        };
        const list = await rpc('ListTasks', {});
        assert.equal(list.status, 200);
        assert.equal(list.body.error.code, -32004, JSON.stringify(list.body));
        const bad = await rpc('SendMessage', { message: { role: 'ROLE_USER', parts: 'nope' } });
        assert.equal(bad.body.error.code, -32602, JSON.stringify(bad.body));
        const resumeUnknown = await rpc('SendMessage', { message: { messageId: 'm', role: 'ROLE_USER', taskId: crypto.randomUUID(), parts: [{ text: 'hi' }] } });
        assert.equal(resumeUnknown.body.error.code, -32001, JSON.stringify(resumeUnknown.body));
      } else {
        const list = await fetch(`${gw.url}/agents/echo/tasks`, { headers });
        assert.ok(list.status >= 400 && list.status < 500, String(list.status));
        const bad = await fetch(`${gw.url}/agents/echo/message:send`, { method: 'POST', headers, body: '{"message":{"parts":"nope"}}' });
        assert.equal(bad.status, 400);
        const body = (await bad.json()) as any;
        assert.equal(body.error.status, 'INVALID_ARGUMENT');
      }
    });

    test('every call left one audit entry, in a chain that verifies, and every ACP message conformed', async () => {
      await gw.gateway.audit.flush();
      const rows = await gw.gateway.audit.tail({ limit: 500 });
      const calls = rows.filter((r) => r.eventType === 'a2a.call' && r.tenant === tenant);
      assert.ok(calls.some((r) => r.targetAgent === 'echo' && r.method === 'SendMessage' && r.outcome === 'ok' && r.milliCredits === PRICE * 1000));
      assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.tenant === `${tenant}-cancel` && r.targetAgent === 'holder' && r.method === 'CancelTask'));
      assert.ok(calls.some((r) => r.targetAgent === 'interviewer' && r.method === 'SendStreamingMessage'));
      const verdict = await gw.gateway.audit.verify();
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      assert.deepEqual(acp.requests.filter((r) => r.startsWith('NONCONFORMING')), []);
      assert.ok(acp.checked > 50);
      // The client spoke the binding under test.
      if (binding === 'HTTP+JSON') assert.ok(urls.some((u) => u.endsWith('/agents/echo/message:send')) && urls.some((u) => u.endsWith('/agents/echo/message:stream')));
      else assert.ok(urls.length > 0 && urls.every((u) => /\/agents\/[a-z]+$/.test(u)), urls.join(' '));
    });
  });
}

/**
 * An ACP server that registers cleanly, then answers runs as the document
 * does not allow: what comes back to the A2A client is the upstream's failure
 * (502) in its binding, never a crash or a hang of the gateway.
 */
describe('a bridged agent that answers outside the ACP document', () => {
  let server: Server;
  /** A server inside the network the ACP agent must not be able to send the gateway to. */
  let internal: Server;
  let internalHits = 0;
  /** The silent stream's ACP request was closed (the gateway let go of it). */
  let silentClosed = false;
  /** Per oversized answer: whether the gateway closed the ACP request before the server wrote all of it. */
  const oversized = new Map<string, { cut: boolean }>();
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let token: string;
  let base: string;

  before(async () => {
    const manifest = { name: 'hostile', description: 'Answers runs badly', input_content_types: ['text/plain'], output_content_types: ['text/plain'] };
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!.replace(/^\/acp/, '');
      if (path === '/ping') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (path.startsWith('/agents')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(path === '/agents' ? { agents: [manifest] } : manifest));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}').input?.[0]?.parts?.[0]?.content;
        if (text === 'not-json') return void res.writeHead(200, { 'content-type': 'application/json' }).end('nope');
        if (text === 'bad-run') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"run_id":1,"status":"exploded"}');
        if (text === 'huge') return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) }).end('{}');
        if (text === 'big-run' || text === 'big-event') {
          // 16 MiB without a Content-Length, a chunk at a time: only reading it counts it.
          const run = { agent_name: 'hostile', run_id: crypto.randomUUID(), status: 'completed', created_at: new Date().toISOString(), output: [{ role: 'agent/hostile', parts: [{ content_type: 'text/plain', content: '' }] }] };
          const [head, tail] = JSON.stringify(text === 'big-run' ? run : { type: 'run.completed', run }).split('"content":""');
          const sse = text === 'big-event';
          res.writeHead(sse ? 200 : 202, { 'content-type': sse ? 'text/event-stream' : 'application/json' });
          return void writeOversized(res, text, `${sse ? 'data: ' : ''}${head}"content":"`, `"${tail}${sse ? '\n\n' : ''}`);
        }
        const run = { agent_name: 'hostile', run_id: crypto.randomUUID(), status: 'created', output: [], created_at: new Date().toISOString() };
        if (text === 'redirect') return void res.writeHead(307, { location: `http://127.0.0.1:${(internal.address() as AddressInfo).port}/internal-admin/runs` }).end();
        if (text === 'silent-stream') {
          // One event, then silence: only the gateway giving up its request can end it.
          req.socket.once('close', () => (silentClosed = true));
          res.writeHead(200, { 'content-type': 'text/event-stream' }).write(`data: ${JSON.stringify({ type: 'run.created', run })}\n\n`);
          return;
        }
        if (text === 'output-in-events') {
          // Legal, if unusual: the output only in message events, the last run event without it.
          const message = { role: 'agent/hostile', parts: [{ content_type: 'text/plain', content: 'from the events' }] };
          const events = [{ type: 'run.created', run }, { type: 'message.completed', message }, { type: 'run.completed', run: { ...run, status: 'completed', finished_at: new Date().toISOString() } }];
          return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''));
        }
        if (text === 'many-messages') {
          // Each event under the limit, together past it: a blocking send keeps them, so it must count them.
          const seen = { cut: false };
          oversized.set(text, seen);
          res.once('close', () => (seen.cut = !res.writableFinished));
          res.writeHead(200, { 'content-type': 'text/event-stream' }).write(`data: ${JSON.stringify({ type: 'run.created', run })}\n\n`);
          const message = { role: 'agent/hostile', parts: [{ content_type: 'text/plain', content: 'y'.repeat(200 * 1024) }] };
          for (let i = 0; i < 64 && !res.destroyed; i++) res.write(`data: ${JSON.stringify({ type: 'message.completed', message })}\n\n`);
          return;
        }
        if (text === 'empty-stream') return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end();
        if (text === 'bad-first-event') return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {"type":"run.created"}\n\n');
        if (text === 'bad-event') return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${JSON.stringify({ type: 'run.created', run })}\n\ndata: {"type":"run.created"}\n\n`);
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"server_error","message":"the model is down"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    internal = createServer((_req, res) => {
      internalHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":true}');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    registry = await startRegistry({ probeIntervalMs: 200 });
    gw = await startGateway(registry.url);
    const res = await call(registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/acp` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await until('the gateway to route to hostile', async () => gw.gateway.router.agent('hostile')?.instances.some((i) => i.inRotation) ?? false);
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'h', tenant: 'hostile-co', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    base = `${gw.url}/agents/hostile`;
  });
  after(async () => {
    await gw?.close();
    await registry?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    internal?.closeAllConnections();
    await new Promise<void>((resolve) => internal.close(() => resolve()));
  });

  /** Writes `head`, 16 MiB of `x`, then `tail`, as the gateway reads it; notes whether the gateway let go first. */
  async function writeOversized(res: ServerResponse, key: string, head: string, tail: string): Promise<void> {
    const seen = { cut: false };
    oversized.set(key, seen);
    let closed = false;
    res.once('close', () => {
      closed = true;
      seen.cut = !res.writableFinished;
    });
    const chunk = 'x'.repeat(64 * 1024);
    res.write(head);
    for (let i = 0; i < 256 && !closed; i++) {
      if (!res.write(chunk)) {
        // Whichever comes first removes the other: a listener per full buffer would pile up on the response.
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
    if (!closed) res.end(tail);
  }

  const send = async (text: string, method = 'SendMessage', configuration?: Record<string, unknown>) => {
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] }, ...(configuration && { configuration }) } }) });
    return { status: res.status, text: await res.text() };
  };

  test('an answer past the gateway\'s body limit (a run, an SSE event) is refused while read: 502, the rest left unread', async () => {
    for (const [text, configuration] of [['big-run', { returnImmediately: true }], ['big-event', undefined]] as const) {
      const answer = await send(text, 'SendMessage', configuration);
      assert.equal(answer.status, 502, `${text}: ${answer.text}`);
      const body = JSON.parse(answer.text);
      assert.equal(body.error.code, -32603, answer.text);
      assert.match(body.error.message, /ACP agent hostile answered more than the 1048576-byte limit/);
      assert.equal(body.error.data?.[0]?.metadata?.code, 'AM_ERR_HTTP_UPSTREAM_TOO_LARGE', answer.text);
      // The server notes whether its answer was cut short: a gateway that read it all would leave `cut` false.
      await until(`the gateway to let go of the ${text} answer before its end`, async () => oversized.get(text)?.cut === true);
    }
    // Events each under the limit, a blocking send's output past it: refused too, the stream let go of (it never ends by itself).
    const many = await send('many-messages');
    assert.equal(many.status, 502, many.text);
    assert.equal(JSON.parse(many.text).error.data?.[0]?.metadata?.code, 'AM_ERR_HTTP_UPSTREAM_TOO_LARGE', many.text);
    await until('the gateway to let go of the many-messages stream', async () => oversized.get('many-messages')?.cut === true);
  });

  test('a body that is not JSON, a run the document does not describe, a body too large, a 500: the upstream failed', async () => {
    // A blocking send reads a stream run; returnImmediately reads the run as JSON: both readings are checked.
    for (const [text, configuration] of [['not-json', { returnImmediately: true }], ['not-json', undefined], ['bad-run', { returnImmediately: true }], ['huge', { returnImmediately: true }], ['boom', undefined]] as const) {
      const answer = await send(text, 'SendMessage', configuration);
      assert.equal(answer.status, 502, `${text}: ${answer.text}`);
      const body = JSON.parse(answer.text);
      assert.equal(body.error.code, -32603, `${text}: ${answer.text}`);
      assert.match(body.error.message, /ACP agent hostile answered/);
    }
  });

  test('over v0.3 JSON-RPC too: a failing agent is a 502 in the v0.3 envelope, a bad event the stream\'s last; v0.3 REST is refused, never a 5xx', async () => {
    const v03 = async (text: string, method: string) => {
      const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 'legacy-1', method, params: { message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text }] } } }) });
      return { status: res.status, text: await res.text() };
    };
    for (const text of ['boom', 'bad-first-event']) {
      const answer = await v03(text, text === 'boom' ? 'message/send' : 'message/stream');
      assert.equal(answer.status, 502, `${text}: ${answer.text}`);
      const body = JSON.parse(answer.text);
      assert.deepEqual([body.id, body.error.code], ['legacy-1', -32603], answer.text);
      assert.match(body.error.message, /ACP agent hostile answered/);
    }
    const streamed = await v03('bad-event', 'message/stream');
    assert.equal(streamed.status, 200);
    const frames = sseEvents(streamed.text);
    assert.equal(lastEventType(streamed.text), 'error', 'the error is a typed event, which the SDK clients throw for');
    assert.equal(frames[0].result.kind, 'task', streamed.text);
    assert.deepEqual([frames.at(-1).id, frames.at(-1).error.code], ['legacy-1', -32603], streamed.text);
    const rest = await fetch(`${base}/v1/message:send`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'hi' }] } }) });
    assert.ok(rest.status >= 400 && rest.status < 500, String(rest.status));
  });

  test('a blocking send whose run lists its output only in message events answers with that output', async () => {
    const answer = await send('output-in-events');
    assert.equal(answer.status, 200, answer.text);
    const task = JSON.parse(answer.text).result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.artifacts.map((a: any) => a.parts[0].text), ['from the events']);
  });

  test('a redirect is refused, never followed: the gateway is not sent into the network behind it', async () => {
    const answer = await send('redirect');
    assert.equal(answer.status, 502, answer.text);
    assert.match(JSON.parse(answer.text).error.message, /redirect/);
    assert.equal(internalHits, 0, 'nothing reached the internal server');
  });

  test('a client that leaves a stream of a silent ACP agent: the gateway lets go of the ACP request', async () => {
    const controller = new AbortController();
    const res = await fetch(base, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'silent-stream' }] } } }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    assert.match(Buffer.from(value!).toString('utf8'), /"task"/);
    controller.abort();
    await until('the ACP request to be closed by the gateway', async () => silentClosed);
  });

  test('an event the document does not describe: refused before the stream starts, or its last event once started', async () => {
    for (const text of ['bad-first-event', 'empty-stream']) {
      const first = await send(text, 'SendStreamingMessage');
      assert.equal(first.status, 502, `${text}: ${first.text}`);
    }
    const answer = await send('bad-event', 'SendStreamingMessage');
    assert.equal(answer.status, 200);
    const frames = sseEvents(answer.text);
    assert.equal(lastEventType(answer.text), 'error', 'the error is a typed event, which the SDK clients throw for');
    assert.ok(frames[0].result.task, answer.text);
    assert.equal(frames.at(-1).error.code, -32603, answer.text);
    const health = await fetch(`${gw.url}/readyz`);
    assert.ok(health.status < 500);
  });
});

/** Each SSE event's data, parsed. */
function sseEvents(text: string): any[] {
  return text.split('\n\n').flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6))));
}

/** The `event:` type of the stream's last event (undefined when untyped). */
function lastEventType(text: string): string | undefined {
  const blocks = text.split('\n\n').filter((block) => block.trim() !== '');
  return blocks.at(-1)?.split('\n').find((line) => line.startsWith('event: '))?.slice(7);
}
