import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_DELEGATE_SCOPE } from '../../../src/gateway/index.js';
import { createAgentCaller, type AgentCaller } from '../../../src/orchestrator/calls/index.js';
import { askNameThenGreet, userMessage, holdUntilCanceled } from '../../helpers/runtime-fixture.js';
import { available, callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { pricedLeadScorer, scoredLeads } from '../../helpers/priced-scorer.js';

/** A priced agent (1 credit per lead) that reports half of it as usage, plus a priced skill that waits until canceled. */
const scorer = pricedLeadScorer({ name: 'scorer', description: 'Scores leads' }, async (input, ctx) => scoredLeads(input, ctx, 0.5), {
  more: {
    ask: askNameThenGreet('Asks for a name (free), then greets'),
    hold: holdUntilCanceled({ description: 'Holds until canceled', progress: 'holding' }),
  },
  pricing: { hold: { pricing: { creditsPerCall: 5 } } },
});

const A2A_SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];

describe('the agent caller through a real gateway, on behalf of a tenant', () => {
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let orchestrator: { clientId: string; clientSecret: string };
  let plain: { clientId: string; clientSecret: string };
  let caller: AgentCaller;
  let tokenA: string;
  let tokenB: string;
  let orchestratorToken: string;

  before(async () => {
    // Exact per-call holds: these tests read each call's hold in the tenant's available balance
    // (with leases, a replica's block is reserved instead; test/integration/gateway/credit-leases.test.ts).
    mesh = await startGatewayMesh({ agents: [scorer], gateway: { creditsMode: 'exact' } });
    ({ gw } = mesh);
    orchestrator = await createClient(gw.url, { name: 'orchestrator', tenant: 'mesh-orchestrator', scopes: [...A2A_SCOPES, GATEWAY_DELEGATE_SCOPE] });
    plain = await createClient(gw.url, { name: 'plain', tenant: 'acme', scopes: A2A_SCOPES });
    tokenA = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-reader', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
    tokenB = await fetchToken(gw.url, await createClient(gw.url, { name: 'globex-reader', tenant: 'globex', scopes: ['a2a:tasks:read'] }));
    orchestratorToken = await fetchToken(gw.url, orchestrator);
    await topUp(gw.url, 'globex', 100);
    await topUp(gw.url, 'acme', 100);
    caller = createAgentCaller({ gatewayUrl: gw.url, credentials: orchestrator, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
  });
  after(() => mesh?.close());

  const rpc = async (token: string, method: string, params: unknown, headers: Record<string, string> = {}) => {
    const res = await callAgent(gw.url, 'scorer', token, method, params, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('a delegated call charges the tenant it is made for, and its task is that tenant\'s', async () => {
    const globexBefore = await available(gw.url, 'globex');
    const acmeBefore = await available(gw.url, 'acme');
    const outcome = await caller.send({ agent: 'scorer', skill: 'score', input: { leadIds: ['l1', 'l2', 'l3', 'l4'] }, messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex', subject: 'user-7' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
    assert.deepEqual(outcome.output, { scored: 4 });
    // Four leads reserved, two reported: globex pays 2 credits; acme and the orchestrator's own tenant nothing.
    await until('the settlement on globex', async () => (await available(gw.url, 'globex')) === globexBefore - 2000, 10_000);
    assert.equal(await available(gw.url, 'acme'), acmeBefore);

    const own = await rpc(tokenB, 'GetTask', { id: outcome.taskId });
    assert.equal(own.body.result?.id, outcome.taskId, JSON.stringify(own.body));
    const foreign = await rpc(tokenA, 'GetTask', { id: outcome.taskId });
    assert.equal(foreign.body.error?.code, -32001, 'another tenant sees no such task');

    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 200 });
    const call = rows.find((r) => r.eventType === 'a2a.call' && r.taskId === outcome.taskId && r.method === 'SendStreamingMessage');
    assert.ok(call, 'the call is audited');
    assert.equal(call.tenant, 'globex');
    assert.equal(call.user, 'user-7');
    assert.deepEqual(call.actor, { kind: 'client', id: orchestrator.clientId });
    assert.equal((call.detail as any)?.delegatedBy, orchestrator.clientId);
  });

  test('input-required and the reply travel on behalf of the tenant; another tenant cannot answer', async () => {
    const asked = await caller.send({ agent: 'scorer', skill: 'ask', input: 'greet me', messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(asked.state, 'input-required', JSON.stringify(asked));
    const answer = (value: string) => [{ content: { $case: 'text' as const, value }, metadata: undefined, filename: '', mediaType: '' }];
    const intruder = await caller.reply({ agent: 'scorer', taskId: asked.taskId, contextId: asked.contextId, parts: answer('Mallory'), messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'acme' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(intruder.state, 'failed');
    assert.equal(intruder.transient, false);
    assert.match(intruder.error, /not found/i);
    const done = await caller.reply({ agent: 'scorer', taskId: asked.taskId, contextId: asked.contextId, parts: answer('Ada'), messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(done.state, 'completed', JSON.stringify(done));
    assert.equal(done.output, 'Hello, Ada');
  });

  test('a token the gateway refuses (revoked) is replaced once and the call goes through', async () => {
    const sent: string[] = [];
    const observed: typeof fetch = (input, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      if (auth?.startsWith('Bearer ')) sent.push(auth.slice(7));
      return fetch(input, init);
    };
    const own = createAgentCaller({ gatewayUrl: gw.url, credentials: orchestrator, fetch: observed });
    const call = () => own.send({ agent: 'scorer', skill: 'ask', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex' }, signal: AbortSignal.timeout(10_000) });
    assert.equal((await call()).state, 'input-required');
    const revoked = sent[0]!;
    const res = await fetch(`${gw.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${orchestrator.clientId}:${orchestrator.clientSecret}`).toString('base64')}` }, body: new URLSearchParams({ token: revoked }).toString() });
    assert.equal(res.status, 200);
    const outcome = await call();
    assert.equal(outcome.state, 'input-required', JSON.stringify(outcome));
    assert.deepEqual(sent.slice(1).map((t) => t === revoked), [true, false], 'refused once with the old token, then sent with a new one');
  });

  test('canceling a delegated call ends the task and refunds the tenant', async () => {
    const before = await available(gw.url, 'globex');
    const controller = new AbortController();
    let taskId = '';
    const running = caller.send({ agent: 'scorer', skill: 'hold', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex' }, signal: controller.signal, onEvent: (e) => { if (e.text === 'holding') { taskId = e.taskId; controller.abort(); } } });
    await assert.rejects(running, { name: 'AbortError' });
    assert.equal(await available(gw.url, 'globex'), before - 5000, 'the call holds its estimate while it runs');
    await caller.cancel('scorer', taskId, { tenant: 'globex' });
    await until('the refund', async () => (await available(gw.url, 'globex')) === before, 10_000);
    const task = await rpc(tokenB, 'GetTask', { id: taskId });
    assert.equal(task.body.result.status.state, 'TASK_STATE_CANCELED');
  });

  test('a client without gateway:delegate is refused (403), audited as scope.denied', async () => {
    const refused = createAgentCaller({ gatewayUrl: gw.url, credentials: plain, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
    const outcome = await refused.send({ agent: 'scorer', skill: 'score', input: { leadIds: ['l1'] }, messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'failed');
    assert.equal(outcome.transient, false);
    assert.match(outcome.error, /needs the scope gateway:delegate/);

    const raw = await rpc(await fetchToken(gw.url, plain), 'SendMessage', { message: userMessage('', { parts: [{ data: { leadIds: ['l1'] } }], metadata: { skillId: 'score' } }) }, { 'x-agentmesh-on-behalf-of-tenant': 'globex' });
    assert.equal(raw.status, 403);
    assert.equal(raw.body.error.code, -32600);
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 200 });
    assert.ok(rows.some((r) => r.eventType === 'scope.denied' && r.actor.id === plain.clientId && r.errorCode === 'AM_ERR_AUTH_FORBIDDEN'));
  });

  test('a malformed delegation header is refused (400) naming the header', async () => {
    const message = userMessage('', { parts: [{ data: { leadIds: ['l1'] } }], metadata: { skillId: 'score' } });
    const badTenant = await rpc(orchestratorToken, 'SendMessage', { message }, { 'x-agentmesh-on-behalf-of-tenant': 'not a tenant/..' });
    assert.equal(badTenant.status, 400);
    assert.equal(badTenant.body.error.code, -32602);
    assert.match(badTenant.body.error.message, /x-agentmesh-on-behalf-of-tenant/);
    const subjectAlone = await rpc(orchestratorToken, 'SendMessage', { message }, { 'x-agentmesh-on-behalf-of-subject': 'user-7' });
    assert.equal(subjectAlone.status, 400);
    assert.match(subjectAlone.body.error.message, /x-agentmesh-on-behalf-of-tenant is required/);
  });
});
