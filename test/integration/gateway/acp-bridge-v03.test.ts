import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, TaskState, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { available, balanceTotal, createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { BRIDGE_SCOPES, cancelHeldRun, followReleasedRun, startBridgedAgents, type BridgedAgents } from './acp-bridge-harness.js';

/*
 * A2A v0.3 clients of bridged agents: the official SDK's v0.3
 * JSON-RPC client (its compat `LegacyJsonRpcTransport`, chosen from the v0.3
 * card the gateway serves) calls ACP agents through the gateway: blocking
 * send, stream, get, cancel, input-required then resume, resubscribe, with
 * the same credits and audit as a 1.0 client. The ACP agents are the tests'
 * reference server, which checks every ACP request against openapi.yaml.
 */

const PRICE = 3;
const SCOPES = BRIDGE_SCOPES;

function send(text: string, extra: { taskId?: string; contextId?: string; returnImmediately?: boolean } = {}): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...(extra.taskId && { taskId: extra.taskId }), ...(extra.contextId && { contextId: extra.contextId }) },
    ...(extra.returnImmediately && { configuration: { returnImmediately: true } }),
  });
}

function textOf(task: Task): string {
  return task.artifacts.flatMap((a) => a.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : ''))).join('');
}

function stateOf(e: StreamResponse | undefined): TaskState | undefined {
  const p = e?.payload;
  return p?.$case === 'statusUpdate' ? p.value.status?.state : p?.$case === 'task' ? p.value.status?.state : undefined;
}

describe('an SDK v0.3 client calls bridged ACP agents through the gateway', () => {
  let bridged: BridgedAgents;
  let acp: BridgedAgents['acp'];
  let gw: BridgedAgents['gw'];
  const tenant = 'acme-v03';
  let token: string;
  /** Every JSON-RPC method the v0.3 client sent, and the A2A-Version it sent with it. */
  const wire: Array<{ method: string; version: string | null }> = [];

  before(async () => {
    bridged = await startBridgedAgents({ creditsPerCall: PRICE, tenant, clientName: 'v03' });
    ({ acp, gw, token } = bridged);
  });
  after(() => bridged?.close());

  /** The SDK client as a v0.3 caller gets it: the v0.3 JSON-RPC interface chosen from the card's interfaces. */
  async function client(agent: string, bearer = token): Promise<Client> {
    const recording: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && typeof init.body === 'string') {
        wire.push({ method: (JSON.parse(init.body) as { method: string }).method, version: new Headers(init.headers).get('a2a-version') });
      }
      return fetch(input, init);
    };
    const connection = await connectAgent({ url: `${gw.url}/agents/${agent}`, protocol: '0.3', binding: 'jsonrpc', token: bearer, fetchImpl: recording });
    assert.equal(connection.protocol, '0.3');
    assert.equal(connection.agentInterface.protocolVersion, '0.3');
    return connection.client;
  }


  test('a card read with A2A-Version: 0.3 is the v0.3 shape, pointing at the gateway\'s JSON-RPC binding', async () => {
    const res = await fetch(`${gw.url}/agents/echo/.well-known/agent-card.json`, { headers: { 'A2A-Version': '0.3' } });
    assert.equal(res.status, 200);
    const card = (await res.json()) as any;
    assert.equal(card.url, `${gw.url}/agents/echo`);
    assert.equal(card.preferredTransport, 'JSONRPC');
    assert.equal(card.protocolVersion, '0.3');
    assert.equal(card.capabilities.streaming, true);
    assert.ok(!JSON.stringify(card).includes(acp.url), 'the ACP address is not on the card');
  });

  test('message/send is a run: the task completes with the output, credits are charged, tasks/get reads it', async () => {
    const before = await balanceTotal(gw.url, tenant);
    const c = await client('echo');
    const task = (await c.sendMessage(send('hello from v0.3'))) as Task;
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(textOf(task), 'hello from v0.3');
    assert.equal(acp.runs.get(task.id)?.['status'], 'completed');
    assert.equal(acp.runs.get(task.id)?.['session_id'], task.contextId);
    await until('the charge to settle', async () => (await balanceTotal(gw.url, tenant)) === before - PRICE * 1000);
    const read = await c.getTask({ tenant: '', id: task.id, historyLength: undefined });
    assert.equal(read.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(textOf(read), 'hello from v0.3');
    assert.ok(wire.some((w) => w.method === 'message/send') && wire.some((w) => w.method === 'tasks/get'), JSON.stringify(wire));
  });

  test('message/stream relays the run: the task, its artifact, ending completed', async () => {
    const events: StreamResponse[] = [];
    for await (const e of (await client('echo')).sendMessageStream(send('streamed v0.3'))) events.push(e);
    assert.equal(events[0]?.payload?.$case, 'task');
    const artifact = events.find((e) => e.payload?.$case === 'artifactUpdate')?.payload;
    assert.equal(artifact?.$case === 'artifactUpdate' && artifact.value.artifact?.parts[0]?.content?.$case === 'text' && artifact.value.artifact.parts[0].content.value, 'streamed v0.3');
    assert.equal(stateOf(events.at(-1)), TaskState.TASK_STATE_COMPLETED);
    assert.ok(wire.some((w) => w.method === 'message/stream'));
  });

  test('an awaiting run is input-required, and the next message on the task resumes it (send and stream)', async () => {
    const c = await client('interviewer');
    const asked = (await c.sendMessage(send('start'))) as Task;
    assert.equal(asked.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
    const question = asked.status?.message?.parts[0]?.content;
    assert.equal(question?.$case === 'text' && question.value, 'What is your name?');
    const answered = (await c.sendMessage(send('Ada', { taskId: asked.id, contextId: asked.contextId }))) as Task;
    assert.equal(answered.id, asked.id);
    assert.equal(answered.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(textOf(answered), 'Hello, Ada');

    const first: StreamResponse[] = [];
    for await (const e of c.sendMessageStream(send('start'))) first.push(e);
    assert.equal(stateOf(first.at(-1)), TaskState.TASK_STATE_INPUT_REQUIRED);
    const taskId = first[0]!.payload?.$case === 'task' ? first[0]!.payload.value.id : '';
    const second: StreamResponse[] = [];
    for await (const e of c.sendMessageStream(send('Grace', { taskId }))) second.push(e);
    assert.equal(second[0]?.payload?.$case, 'task');
    assert.equal(stateOf(second.at(-1)), TaskState.TASK_STATE_COMPLETED);
    assert.ok(second.some((e) => e.payload?.$case === 'artifactUpdate' && e.payload.value.artifact?.parts[0]?.content?.$case === 'text' && e.payload.value.artifact.parts[0].content.value === 'Hello, Grace'));
  });

  test('tasks/cancel cancels the run, and the hold comes back', async () => {
    const own = await bridged.freshTenant('cancel');
    const before = await available(gw.url, own.tenant);
    const c = await client('holder', own.token);
    const started = (await c.sendMessage(send('take your time', { returnImmediately: true }))) as Task;
    await cancelHeldRun({ acp, gw }, c, started, { tenant: own.tenant, before, price: PRICE });
    assert.ok(wire.some((w) => w.method === 'tasks/cancel'));
  });

  test('tasks/resubscribe follows the run until it ends', async () => {
    const c = await client('holder');
    const started = (await c.sendMessage(send('subscribe to me', { returnImmediately: true }))) as Task;
    const events = await followReleasedRun(c, acp, started.id);
    assert.equal(events[0]?.payload?.$case, 'task');
    assert.equal(stateOf(events.at(-1)), TaskState.TASK_STATE_COMPLETED);
    assert.ok(wire.some((w) => w.method === 'tasks/resubscribe'));
  });

  test('errors come back in the v0.3 shape: an unknown task, another tenant\'s run, an unsupported method', async () => {
    const c = await client('echo');
    await assert.rejects(c.getTask({ tenant: '', id: crypto.randomUUID(), historyLength: undefined }), /not found/i);
    const mine = (await c.sendMessage(send('mine'))) as Task;
    const intruder = await bridged.freshTenant('intruder');
    await assert.rejects((await client('echo', intruder.token)).getTask({ tenant: '', id: mine.id, historyLength: undefined }), /not found/i);
    const pusher = await fetchToken(gw.url, await createClient(gw.url, { name: 'v03-push', tenant, scopes: [...SCOPES, 'a2a:push:write'] }));
    const rpc = async (method: string, params: unknown) => {
      const res = await fetch(`${gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${pusher}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 'v03', method, params }) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const missing = await rpc('tasks/get', { id: crypto.randomUUID() });
    assert.equal(missing.status, 200);
    assert.deepEqual([missing.body.id, missing.body.error.code], ['v03', -32001], JSON.stringify(missing.body));
    const list = await rpc('tasks/pushNotificationConfig/list', { id: mine.id });
    assert.equal(list.body.error.code, -32004, JSON.stringify(list.body));
    const listed = await rpc('tasks/list', {});
    assert.equal(listed.body.error.code, -32601, JSON.stringify(listed.body));
    const bad = await rpc('message/send', { message: { kind: 'message', role: 'user', parts: 'nope' } });
    assert.equal(bad.body.error.code, -32602, JSON.stringify(bad.body));
  });

  test('every v0.3 call went over v0.3 JSON-RPC and left its audit entry, credits settled as for 1.0', async () => {
    assert.ok(wire.length > 0 && wire.every((w) => w.method.includes('/')), JSON.stringify(wire));
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 500 });
    const calls = rows.filter((r) => r.eventType === 'a2a.call' && r.tenant === tenant);
    const seen = JSON.stringify(calls.map((r) => [r.targetAgent, r.method, r.outcome, r.milliCredits]));
    assert.ok(calls.some((r) => r.targetAgent === 'echo' && r.method === 'SendMessage' && r.outcome === 'ok' && r.milliCredits === PRICE * 1000), seen);
    assert.ok(calls.some((r) => r.targetAgent === 'interviewer' && r.method === 'SendStreamingMessage'), seen);
    assert.ok(calls.some((r) => r.targetAgent === 'holder' && r.method === 'SubscribeToTask'), seen);
    assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.tenant === `${tenant}-cancel` && r.method === 'CancelTask'));
    const verdict = await gw.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.deepEqual(acp.requests.filter((r) => r.startsWith('NONCONFORMING')), []);
  });
});
