/**
 * Every hosted agent over ACP, on the same durable task core.
 * An ACP client written from the document (test/helpers/acp-client.ts) runs
 * sync, async, stream, await/resume and cancel; every request, response and
 * event is validated against schemas/acp/openapi.yaml.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { AcpTestClient, outputText, userText } from '../../helpers/acp-client.js';
import { startRuntime, askNameThenGreet, leadDatabaseOffline, storyInChunks, waiterAgent } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { ASSERTION_ISSUER, startAssertionIssuer } from '../../helpers/assertion-issuer.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const echo = oneSkillAgent({ name: 'echo', description: 'Echoes text', defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'] }, 'echo', {
  description: 'Echoes text',
  handler: async (text: string, ctx) => {
    ctx.progress('echoing');
    return `echo: ${text}`;
  },
});
const greeter = defineAgent({
  card: { name: 'greeter', description: 'Greets with a message' },
  defaultSkill: 'greet',
  skills: { greet: { description: 'Greets', messageReplies: true, handler: async (text: string, ctx) => ctx.reply(`Hello, ${text}`) } },
});
const story = defineAgent({
  card: { name: 'story', description: 'Tells a story in chunks' },
  defaultSkill: 'tell',
  skills: {
    tell: storyInChunks('Streams an artifact in three chunks'),
  },
});
const adder = oneSkillAgent({ name: 'adder', description: 'Adds numbers' }, 'sum', {
  description: 'Adds numbers',
  input: { type: 'object', required: ['numbers'], properties: { numbers: { type: 'array', items: { type: 'number' } } } },
  handler: async (input: { numbers: number[] }) => ({ sum: input.numbers.reduce((a, b) => a + b, 0) }),
});
const asker = defineAgent({
  card: { name: 'asker', description: 'Asks a name, then greets' },
  defaultSkill: 'ask',
  skills: { ask: askNameThenGreet('Asks, then answers') },
});
const waiter = waiterAgent('Waits until canceled');
const broken = defineAgent({
  card: { name: 'broken', description: 'Always fails' },
  defaultSkill: 'fail',
  skills: {
    fail: leadDatabaseOffline('Fails'),
  },
});
const Upper = defineAgent({ card: { name: 'Upper_Case', description: 'Not an ACP name' }, defaultSkill: 's', skills: { s: { description: 's', handler: async () => 'x' } } });

describe('agentmesh agents over ACP', () => {
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let acp: AcpTestClient;

  before(async () => {
    host = await startRuntime([echo, story, adder, asker, waiter, broken, Upper, greeter]);
    acp = new AcpTestClient(`${host.url}/acp`);
  });
  after(async () => {
    await host?.close();
  });

  test('ping, agent discovery and manifests derived from the cards (agents without an ACP name are left out)', async () => {
    assert.deepEqual((await acp.call('GET', '/ping')).body, {});
    const list = await acp.call('GET', '/agents?limit=100');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.agents.map((a: any) => a.name), ['echo', 'story', 'adder', 'asker', 'waiter', 'broken', 'greeter']);
    const two = await acp.call('GET', '/agents?limit=2&offset=1');
    assert.deepEqual(two.body.agents.map((a: any) => a.name), ['story', 'adder']);
    const manifest = await acp.call('GET', '/agents/echo');
    assert.equal(manifest.body.description, 'Echoes text');
    assert.deepEqual(manifest.body.input_content_types, ['text/plain']);
    assert.deepEqual(manifest.body.metadata.capabilities, [{ name: 'echo', description: 'Echoes text' }]);
    const missing = await acp.call('GET', '/agents/nobody');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'not_found');
  });

  test('a sync run completes with its output, is readable as a run and lists its events', async () => {
    const res = await acp.call('POST', '/runs', { agent_name: 'echo', input: [userText('hello')], mode: 'sync' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'completed');
    assert.equal(outputText(res.body), 'echo: hello');
    assert.equal(res.body.output[0].role, 'agent/echo');
    assert.ok(res.body.session_id, 'the A2A context id is the session');
    assert.ok(res.body.finished_at);
    const read = await acp.call('GET', `/runs/${res.body.run_id}`);
    assert.deepEqual({ ...read.body, created_at: undefined }, { ...res.body, created_at: undefined });
    const events = await acp.call('GET', `/runs/${res.body.run_id}/events`);
    assert.deepEqual(events.body.events.map((e: any) => e.type), ['run.created', 'run.in-progress', 'generic', 'message.created', 'message.completed', 'run.completed']);
  });

  test('a run of a skill that answers A2A callers with a message is a run all the same: the reply is its output, readable later', async () => {
    const res = await acp.call('POST', '/runs', { agent_name: 'greeter', input: [userText('Ada')], mode: 'sync' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'completed');
    assert.equal(outputText(res.body), 'Hello, Ada');
    assert.equal((await acp.call('GET', `/runs/${res.body.run_id}`)).body.status, 'completed');
    const { events } = await acp.stream('POST', '/runs', { agent_name: 'greeter', input: [userText('Lin')], mode: 'stream' });
    assert.equal(events.at(-1).type, 'run.completed');
    assert.equal(outputText(events.at(-1).run), 'Hello, Lin');
  });

  test('a run without a mode is sync; JSON content reaches a typed skill as data and comes back as JSON', async () => {
    const res = await acp.call('POST', '/runs', { agent_name: 'adder', input: [{ role: 'user', parts: [{ content_type: 'application/json', content: '{"numbers":[1,2,3]}' }] }] });
    assert.equal(res.body.status, 'completed');
    const part = res.body.output[0].parts[0];
    assert.equal(part.content_type, 'application/json');
    assert.deepEqual(JSON.parse(part.content), { sum: 6 });
  });

  test('an async run is accepted (202) and polled to its end', async () => {
    const res = await acp.call('POST', '/runs', { agent_name: 'story', input: [userText('go')], mode: 'async' });
    assert.equal(res.status, 202);
    assert.ok(['created', 'in-progress', 'completed'].includes(res.body.status));
    let run: any;
    await until('the async run to complete', async () => {
      run = (await acp.call('GET', `/runs/${res.body.run_id}`)).body;
      return run.status === 'completed';
    });
    assert.equal(outputText(run), 'one two three');
  });

  test('a stream run sends the spec events in order, ending with run.completed', async () => {
    const { status, events } = await acp.stream('POST', '/runs', { agent_name: 'story', input: [userText('go')], mode: 'stream' });
    assert.equal(status, 200);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'run.created');
    assert.equal(types.at(-1), 'run.completed');
    assert.deepEqual(types.filter((t) => t.startsWith('message.')), ['message.created', 'message.part', 'message.part', 'message.completed']);
    assert.equal(events.find((e) => e.type === 'message.completed').message.parts.map((p: any) => p.content).join(''), 'one two three');
    assert.equal(outputText(events.at(-1).run), 'one two three');
  });

  test('an awaiting run asks its question and resumes with the answer (sync), then refuses another resume', async () => {
    const started = await acp.call('POST', '/runs', { agent_name: 'asker', input: [userText('hi')], mode: 'sync' });
    assert.equal(started.body.status, 'awaiting');
    assert.deepEqual(started.body.await_request, { type: 'message', message: { role: 'agent/asker', parts: [{ content_type: 'text/plain', content: 'What is your name?' }] } });
    const id = started.body.run_id;
    const resumed = await acp.call('POST', `/runs/${id}`, { run_id: id, await_resume: { type: 'message', message: userText('Ada') }, mode: 'sync' });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.status, 'completed');
    assert.equal(outputText(resumed.body), 'Hello, Ada');
    assert.equal(resumed.body.session_id, started.body.session_id);
    const again = await acp.call('POST', `/runs/${id}`, { run_id: id, await_resume: { type: 'message', message: userText('Bob') }, mode: 'sync' });
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 'invalid_input');
  });

  test('await and resume over streams: run.awaiting ends the first stream, the resumed one goes on to run.completed', async () => {
    const first = await acp.stream('POST', '/runs', { agent_name: 'asker', input: [userText('hi')], mode: 'stream' });
    const awaiting = first.events.at(-1);
    assert.equal(awaiting.type, 'run.awaiting');
    const id = awaiting.run.run_id;
    const second = await acp.stream('POST', `/runs/${id}`, { run_id: id, await_resume: { type: 'message', message: userText('Grace') }, mode: 'stream' });
    const types = second.events.map((e) => e.type);
    assert.ok(!types.includes('run.created'), 'a resumed run is not created again');
    assert.deepEqual(types.slice(-3), ['message.created', 'message.completed', 'run.completed'].slice(-3));
    assert.equal(outputText(second.events.at(-1).run), 'Hello, Grace');
  });

  test('an async resume is accepted (202) and polled to the end', async () => {
    const started = await acp.call('POST', '/runs', { agent_name: 'asker', input: [userText('hi')], mode: 'sync' });
    const id = started.body.run_id;
    const resumed = await acp.call('POST', `/runs/${id}`, { run_id: id, await_resume: { type: 'message', message: userText('Linus') }, mode: 'async' });
    assert.equal(resumed.status, 202);
    await until('the resumed run to complete', async () => (await acp.call('GET', `/runs/${id}`)).body.status === 'completed');
  });

  test('a running run is cancelled: 202, then cancelled for good', async () => {
    const res = await acp.call('POST', '/runs', { agent_name: 'waiter', input: [userText('go')], mode: 'async' });
    const id = res.body.run_id;
    await until('the run to be in progress', async () => (await acp.call('GET', `/runs/${id}`)).body.status === 'in-progress');
    const cancelled = await acp.call('POST', `/runs/${id}/cancel`);
    assert.equal(cancelled.status, 202);
    assert.ok(['cancelled', 'cancelling'].includes(cancelled.body.status));
    await until('the run to be cancelled', async () => (await acp.call('GET', `/runs/${id}`)).body.status === 'cancelled');
    const events = (await acp.call('GET', `/runs/${id}/events`)).body.events;
    assert.equal(events.at(-1).type, 'run.cancelled');
    const twice = await acp.call('POST', `/runs/${id}/cancel`);
    assert.equal(twice.status, 202, 'cancelling a cancelled run is a no-op, as CancelTask is');
    assert.equal(twice.body.status, 'cancelled');
    const done = await acp.call('POST', '/runs', { agent_name: 'echo', input: [userText('x')] });
    const late = await acp.call('POST', `/runs/${done.body.run_id}/cancel`);
    assert.equal(late.body.code, 'invalid_input', JSON.stringify(late.body));
    assert.equal(late.body.data.code, 'AM_ERR_TASK_NOT_CANCELABLE');
  });

  test('a failing agent gives a failed run whose error says why', async () => {
    const res = await acp.call('POST', '/runs', { agent_name: 'broken', input: [userText('go')] });
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.error.code, 'server_error');
    assert.match(res.body.error.message, /lead database is offline/);
  });

  test('bad requests are invalid_input naming the fields; unknown runs and agents are not_found', async () => {
    const res = await fetch(`${host.url}/acp/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_name: 'Echo!', input: [] }) });
    assert.equal(res.status, 400);
    const body = (await res.json()) as any;
    assert.equal(body.code, 'invalid_input');
    assert.deepEqual(body.data.violations.map((v: any) => v.field).sort(), ['/agent_name', '/input']);
    const notJson = await fetch(`${host.url}/acp/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as any).code, 'invalid_input');
    const unknownAgent = await acp.call('POST', '/runs', { agent_name: 'nobody', input: [userText('x')] });
    assert.equal(unknownAgent.status, 404);
    for (const id of ['0190f0f0-0000-7000-8000-0000000000ff', 'not-a-uuid']) {
      const run = await fetch(`${host.url}/acp/runs/${id}`);
      assert.equal(run.status, 404);
      assert.equal(((await run.json()) as any).code, 'not_found');
    }
  });

  test('runs sharing a session_id are one A2A context; the session lists them', async () => {
    const session = crypto.randomUUID();
    const a = await acp.call('POST', '/runs', { agent_name: 'echo', session_id: session, input: [userText('one')] });
    const b = await acp.call('POST', '/runs', { agent_name: 'story', session_id: session, input: [userText('two')] });
    assert.equal(a.body.session_id, session);
    assert.equal(b.body.session_id, session);
    const s = await acp.call('GET', `/session/${session}`);
    assert.equal(s.body.id, session);
    assert.deepEqual(s.body.history, [`${host.url}/acp/runs/${a.body.run_id}`, `${host.url}/acp/runs/${b.body.run_id}`]);
    assert.equal((await acp.call('GET', `/session/${crypto.randomUUID()}`)).status, 404);
  });

  test('every message of these scenarios was validated against the document', () => {
    assert.ok(acp.checked > 60, `${acp.checked} checked`);
  });
});

describe('ACP behind the gateway takes the same assertion and tenant scoping as A2A', () => {
  let issuer: Awaited<ReturnType<typeof startAssertionIssuer>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let sign: (tenant: string, aud?: string) => Promise<string>;

  before(async () => {
    issuer = await startAssertionIssuer();
    sign = (tenant, aud = 'agentmesh:agent:echo') => issuer.sign({ tenant, scope: 'a2a:message:send a2a:tasks:read' }, { aud });
    host = await startRuntime([echo, waiter], { gatewayJwksUrl: issuer.jwksUrl, gatewayIssuer: ASSERTION_ISSUER, requireGatewayAssertion: true });
  });
  after(async () => {
    await host?.close();
    issuer?.close();
  });

  test('a run without the assertion is refused with 401 in ACP shape; discovery stays public', async () => {
    const acp = new AcpTestClient(`${host.url}/acp`);
    const res = await acp.call('POST', '/runs', { agent_name: 'echo', input: [userText('x')] });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'invalid_input');
    assert.equal(res.body.data.code, 'AM_ERR_GATEWAY_ASSERTION_INVALID');
    assert.equal((await acp.call('GET', '/agents')).status, 200);
  });

  test("an assertion for another agent does not open this one; another tenant's run is not found", async () => {
    const wrongAgent = new AcpTestClient(`${host.url}/acp`, { authorization: `Bearer ${await sign('acme', 'agentmesh:agent:waiter')}` });
    assert.equal((await wrongAgent.call('POST', '/runs', { agent_name: 'echo', input: [userText('x')] })).status, 401);
    const acme = new AcpTestClient(`${host.url}/acp`, { authorization: `Bearer ${await sign('acme')}` });
    const run = await acme.call('POST', '/runs', { agent_name: 'echo', input: [userText('hi')] });
    assert.equal(run.body.status, 'completed');
    assert.equal((await acme.call('GET', `/runs/${run.body.run_id}`)).status, 200);
    const globex = new AcpTestClient(`${host.url}/acp`, { authorization: `Bearer ${await sign('globex')}` });
    for (const [method, path] of [['GET', `/runs/${run.body.run_id}`], ['GET', `/runs/${run.body.run_id}/events`], ['POST', `/runs/${run.body.run_id}/cancel`], ['GET', `/session/${run.body.session_id}`]] as const) {
      const res = await globex.call(method, path);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'not_found');
    }
  });
});
