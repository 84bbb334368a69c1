/**
 * "the gateway exposes it with the same policy": a native
 * agent's runtime ACP endpoint through the gateway, at
 * `/agents/{name}/acp/…`. The ACP client is the tests' own (written from the
 * document; every request, response and event checked against openapi.yaml).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { AcpTestClient, outputText, userText } from '../../helpers/acp-client.js';
import { available, balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';
import { until } from '../../helpers/until.js';
import { askNameThenGreet, waiterAgent } from '../../helpers/runtime-fixture.js';

const priced = (skill: string) => ({ skills: { [skill]: { pricing: { creditsPerCall: 2 } } } });

const echo = defineAgent({
  card: { name: 'echo', description: 'Echoes text', defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'] },
  registry: priced('echo'),
  defaultSkill: 'echo',
  skills: { echo: { description: 'Echoes text', handler: async (text: string) => `echo: ${text}` } },
});
const asker = defineAgent({
  card: { name: 'asker', description: 'Asks a name, then greets' },
  registry: priced('ask'),
  defaultSkill: 'ask',
  skills: { ask: askNameThenGreet('Asks, then answers') },
});
const waiter = waiterAgent('Waits until canceled', priced('wait'));

describe('native agents over ACP through the gateway (/agents/{name}/acp)', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let token: string;
  let readOnly: string;
  let other: string;
  const acp = (agent: string, bearer = token) => new AcpTestClient(`${mesh.gw.url}/agents/${agent}/acp`, { authorization: `Bearer ${bearer}` });

  before(async () => {
    mesh = await startGatewayMesh({ agents: [echo, asker, waiter] });
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'acp', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
    readOnly = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'ro', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
    other = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'other', tenant: 'globex', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
    await topUp(mesh.gw.url, 'acme', 100);
    await topUp(mesh.gw.url, 'globex', 10);
  });
  after(async () => {
    await mesh?.close();
  });

  test('discovery is public and shows the one agent of the path', async () => {
    const anon = new AcpTestClient(`${mesh.gw.url}/agents/echo/acp`);
    assert.deepEqual((await anon.call('GET', '/ping')).body, {});
    const list = await anon.call('GET', '/agents');
    assert.deepEqual(list.body.agents.map((a: any) => a.name), ['echo']);
    assert.equal((await anon.call('GET', '/agents/echo')).body.name, 'echo');
    assert.equal((await anon.call('GET', '/agents/asker')).status, 404);
  });

  test('a run needs a token with the scope, refused in ACP\'s Error shape', async () => {
    const anon = await new AcpTestClient(`${mesh.gw.url}/agents/echo/acp`).call('POST', '/runs', { agent_name: 'echo', input: [userText('hi')] });
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'invalid_input');
    assert.equal(anon.body.data.code, 'AM_ERR_AUTH_UNAUTHENTICATED');
    const denied = await acp('echo', readOnly).call('POST', '/runs', { agent_name: 'echo', input: [userText('hi')] });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.data.code, 'AM_ERR_AUTH_FORBIDDEN');
    // The path names the agent: a run for another agent of the same runtime is refused at the door.
    const other = await acp('echo').call('POST', '/runs', { agent_name: 'asker', input: [userText('hi')] });
    assert.equal(other.status, 404);
    assert.equal(other.body.code, 'not_found');
  });

  test('a sync run completes and is charged; the run reads back through the gateway', async () => {
    const before = await balanceTotal(mesh.gw.url, 'acme');
    const client = acp('echo');
    const run = await client.call('POST', '/runs', { agent_name: 'echo', input: [userText('hello')], mode: 'sync' });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, 'completed');
    assert.equal(outputText(run.body), 'echo: hello');
    await until('the run to be charged', async () => (await balanceTotal(mesh.gw.url, 'acme')) === before - 2000);
    const read = await client.call('GET', `/runs/${run.body.run_id}`);
    assert.equal(read.body.status, 'completed');
    const events = await client.call('GET', `/runs/${run.body.run_id}/events`);
    assert.equal(events.body.events.at(-1).type, 'run.completed');
  });

  test('a stream run, and an awaiting run resumed through the gateway', async () => {
    const streamed = await acp('echo').stream('POST', '/runs', { agent_name: 'echo', input: [userText('streamed')], mode: 'stream' });
    assert.equal(streamed.events[0].type, 'run.created');
    assert.equal(streamed.events.at(-1).type, 'run.completed');
    const client = acp('asker');
    const asked = await client.call('POST', '/runs', { agent_name: 'asker', input: [userText('start')], mode: 'sync' });
    assert.equal(asked.body.status, 'awaiting');
    const resumed = await client.call('POST', `/runs/${asked.body.run_id}`, { run_id: asked.body.run_id, await_resume: { type: 'message', message: userText('Ada') }, mode: 'sync' });
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.status, 'completed');
    assert.equal(outputText(resumed.body), 'Hello, Ada');
  });

  test('a cancelled run refunds its hold', async () => {
    const before = await available(mesh.gw.url, 'globex');
    const client = acp('waiter', other);
    const run = await client.call('POST', '/runs', { agent_name: 'waiter', input: [userText('wait')], mode: 'async' });
    assert.equal(run.status, 202);
    assert.equal(await available(mesh.gw.url, 'globex'), before - 2000, 'the run holds its price');
    const cancelled = await client.call('POST', `/runs/${run.body.run_id}/cancel`);
    assert.equal(cancelled.status, 202);
    await until('the run to be cancelled', async () => (await client.call('GET', `/runs/${run.body.run_id}`)).body.status === 'cancelled');
    await until('the hold to be refunded', async () => (await available(mesh.gw.url, 'globex')) === before);
    // Another tenant's run is not found through the door, as its task is over A2A.
    assert.equal((await acp('waiter').call('GET', `/runs/${run.body.run_id}`)).status, 404);
  });

  test('every ACP call is audited, and the trail verifies', async () => {
    await mesh.gw.gateway.audit.flush();
    const rows = await mesh.gw.gateway.audit.tail({ limit: 500 });
    assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.targetAgent === 'echo' && r.method === 'SendMessage' && r.outcome === 'ok'));
    assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.targetAgent === 'waiter' && r.method === 'CancelTask'));
    assert.ok(!rows.some((r) => r.method === 'GetAgentCard'), 'discovery is public and not audited, like cards');
    const verdict = await mesh.gw.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
  });
});
