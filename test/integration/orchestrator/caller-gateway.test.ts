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

describe('the agent caller through a real gateway, for a caller whose token it exchanges (RFC 8693)', () => {
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let orchestrator: { clientId: string; clientSecret: string };
  let plain: { clientId: string; clientSecret: string };
  let globexCaller: { clientId: string; clientSecret: string };
  let caller: AgentCaller;
  let tokenA: string;
  let tokenB: string;
  let orchestratorToken: string;
  let globexToken: string;
  let acmeToken: string;

  before(async () => {
    // Exact per-call holds: these tests read each call's hold in the tenant's available balance
    // (with leases, a replica's block is reserved instead; test/integration/gateway/credit-leases.test.ts).
    mesh = await startGatewayMesh({ agents: [scorer], gateway: { creditsMode: 'exact' } });
    ({ gw } = mesh);
    orchestrator = await createClient(gw.url, { name: 'orchestrator', tenant: 'mesh-orchestrator', scopes: [...A2A_SCOPES, GATEWAY_DELEGATE_SCOPE] });
    plain = await createClient(gw.url, { name: 'plain', tenant: 'acme', scopes: A2A_SCOPES });
    globexCaller = await createClient(gw.url, { name: 'globex-user', tenant: 'globex', scopes: A2A_SCOPES });
    tokenA = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-reader', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
    tokenB = await fetchToken(gw.url, await createClient(gw.url, { name: 'globex-reader', tenant: 'globex', scopes: ['a2a:tasks:read'] }));
    orchestratorToken = await fetchToken(gw.url, orchestrator);
    globexToken = await fetchToken(gw.url, globexCaller);
    acmeToken = await fetchToken(gw.url, plain);
    await topUp(gw.url, 'globex', 100);
    await topUp(gw.url, 'acme', 100);
    caller = createAgentCaller({ gatewayUrl: gw.url, credentials: orchestrator, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
  });
  after(() => mesh?.close());

  const rpc = async (token: string, method: string, params: unknown, headers: Record<string, string> = {}) => {
    const res = await callAgent(gw.url, 'scorer', token, method, params, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };
  const forGlobex = () => ({ tenant: 'globex', subject: globexCaller.clientId, subjectToken: globexToken });

  test('a call for a caller charges the caller\'s tenant, its task is that tenant\'s, and the trail names who acted for whom', async () => {
    const globexBefore = await available(gw.url, 'globex');
    const acmeBefore = await available(gw.url, 'acme');
    const outcome = await caller.send({ agent: 'scorer', skill: 'score', input: { leadIds: ['l1', 'l2', 'l3', 'l4'] }, messageId: crypto.randomUUID(), onBehalfOf: forGlobex(), signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'completed', JSON.stringify(outcome));
    assert.deepEqual(outcome.output, { scored: 4 });
    // Four leads reserved, two reported: globex pays 2 credits; acme and the orchestrator's own tenant nothing.
    await until('the settlement on globex', async () => (await available(gw.url, 'globex')) === globexBefore - 2000);
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
    assert.equal(call.user, globexCaller.clientId);
    assert.deepEqual(call.actor, { kind: 'client', id: orchestrator.clientId });
    assert.deepEqual((call.detail as any)?.act, { sub: orchestrator.clientId });
    assert.equal((call.detail as any)?.delegatedBy, undefined, 'no tenant was named by header');
  });

  test('input-required and the reply travel for the caller; another tenant\'s caller cannot answer', async () => {
    const asked = await caller.send({ agent: 'scorer', skill: 'ask', input: 'greet me', messageId: crypto.randomUUID(), onBehalfOf: forGlobex(), signal: AbortSignal.timeout(10_000) });
    assert.equal(asked.state, 'input-required', JSON.stringify(asked));
    const answer = (value: string) => [{ content: { $case: 'text' as const, value }, metadata: undefined, filename: '', mediaType: '' }];
    const intruder = await caller.reply({ agent: 'scorer', taskId: asked.taskId, contextId: asked.contextId, parts: answer('Mallory'), messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'acme', subjectToken: acmeToken }, signal: AbortSignal.timeout(10_000) });
    assert.equal(intruder.state, 'failed');
    assert.equal(intruder.transient, false);
    assert.match(intruder.error, /not found/i);
    const done = await caller.reply({ agent: 'scorer', taskId: asked.taskId, contextId: asked.contextId, parts: answer('Ada'), messageId: crypto.randomUUID(), onBehalfOf: forGlobex(), signal: AbortSignal.timeout(10_000) });
    assert.equal(done.state, 'completed', JSON.stringify(done));
    assert.equal(done.output, 'Hello, Ada');
  });

  test('exchanges once per caller token, and replaces an exchanged token the gateway refuses (revoked)', async () => {
    const sent: string[] = [];
    let exchanges = 0;
    const observed: typeof fetch = (input, init) => {
      if (String(input).endsWith('/oauth/token')) exchanges++;
      const auth = new Headers(init?.headers).get('authorization');
      if (auth?.startsWith('Bearer ')) sent.push(auth.slice(7));
      return fetch(input, init);
    };
    const own = createAgentCaller({ gatewayUrl: gw.url, credentials: orchestrator, fetch: observed });
    const call = () => own.send({ agent: 'scorer', skill: 'ask', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: forGlobex(), signal: AbortSignal.timeout(10_000) });
    assert.equal((await call()).state, 'input-required');
    assert.equal((await call()).state, 'input-required');
    assert.equal(exchanges, 1, 'the second call reuses the exchanged token');
    assert.equal(sent[0], sent[1]);
    const exchanged = sent[0]!;
    // The orchestrator's client holds the exchanged token (its client_id): it may revoke it.
    const res = await fetch(`${gw.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${orchestrator.clientId}:${orchestrator.clientSecret}`).toString('base64')}` }, body: new URLSearchParams({ token: exchanged }).toString() });
    assert.equal(res.status, 200);
    const outcome = await call();
    assert.equal(outcome.state, 'input-required', JSON.stringify(outcome));
    assert.deepEqual(sent.slice(2).map((t) => t === exchanged), [true, false], 'refused once with the revoked token, then sent with a newly exchanged one');
    assert.equal(exchanges, 2);
  });

  test('once the caller\'s own token is revoked, no call is made for it any more', async () => {
    const user = await createClient(gw.url, { name: 'short-lived', tenant: 'globex', scopes: A2A_SCOPES });
    const token = await fetchToken(gw.url, user);
    const on = { tenant: 'globex', subject: user.clientId, subjectToken: token };
    const first = await caller.send({ agent: 'scorer', skill: 'ask', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: on, signal: AbortSignal.timeout(10_000) });
    assert.equal(first.state, 'input-required');
    const res = await fetch(`${gw.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${user.clientId}:${user.clientSecret}`).toString('base64')}` }, body: new URLSearchParams({ token }).toString() });
    assert.equal(res.status, 200);
    // The exchanged token the caller holds dies with the token it came from; so does a new exchange.
    const after = await caller.send({ agent: 'scorer', skill: 'ask', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: on, signal: AbortSignal.timeout(10_000) });
    assert.equal(after.state, 'failed', JSON.stringify(after));
    assert.equal(after.transient, false);
    assert.match(after.error, /invalid_grant: the subject token, or the credential it was derived from, has been revoked/);
  });

  test('canceling a call for a caller ends the task and refunds the caller\'s tenant', async () => {
    const before = await available(gw.url, 'globex');
    const controller = new AbortController();
    let taskId = '';
    const running = caller.send({ agent: 'scorer', skill: 'hold', input: 'x', messageId: crypto.randomUUID(), onBehalfOf: forGlobex(), signal: controller.signal, onEvent: (e) => { if (e.text === 'holding') { taskId = e.taskId; controller.abort(); } } });
    await assert.rejects(running, { name: 'AbortError' });
    assert.equal(await available(gw.url, 'globex'), before - 5000, 'the call holds its estimate while it runs');
    await caller.cancel('scorer', taskId, forGlobex());
    await until('the refund', async () => (await available(gw.url, 'globex')) === before);
    const task = await rpc(tokenB, 'GetTask', { id: taskId });
    assert.equal(task.body.result.status.state, 'TASK_STATE_CANCELED');
  });

  test('a client not registered with gateway:delegate cannot exchange (unauthorized_client)', async () => {
    const refused = createAgentCaller({ gatewayUrl: gw.url, credentials: plain, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
    const outcome = await refused.send({ agent: 'scorer', skill: 'score', input: { leadIds: ['l1'] }, messageId: crypto.randomUUID(), onBehalfOf: forGlobex(), signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'failed');
    assert.equal(outcome.transient, false);
    assert.match(outcome.error, /unauthorized_client: this client may not exchange tokens/);
  });

  test('naming another tenant by header needs gateway:admin, audited as scope.denied; the headers without gateway:delegate too', async () => {
    const named = createAgentCaller({ gatewayUrl: gw.url, credentials: orchestrator, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
    const outcome = await named.send({ agent: 'scorer', skill: 'score', input: { leadIds: ['l1'] }, messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(outcome.state, 'failed');
    assert.equal(outcome.transient, false);
    assert.match(outcome.error, /Naming another tenant \(x-agentmesh-on-behalf-of-tenant\) needs the scope gateway:admin/);

    const message = userMessage('', { parts: [{ data: { leadIds: ['l1'] } }], metadata: { skillId: 'score' } });
    const raw = await rpc(await fetchToken(gw.url, plain), 'SendMessage', { message }, { 'x-agentmesh-on-behalf-of-tenant': 'globex' });
    assert.equal(raw.status, 403);
    assert.match(raw.body.error.message, /needs the scope gateway:delegate/);
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 300 });
    assert.ok(rows.some((r) => r.eventType === 'scope.denied' && r.actor.id === plain.clientId && r.errorCode === 'AM_ERR_AUTH_FORBIDDEN'));
    assert.ok(rows.some((r) => r.eventType === 'scope.denied' && r.actor.id === orchestrator.clientId && r.errorCode === 'AM_ERR_AUTH_FORBIDDEN'));

    // A platform admin's client may name any tenant.
    const admin = await createClient(gw.url, { name: 'operator', tenant: 'mesh-orchestrator', scopes: [...A2A_SCOPES, GATEWAY_DELEGATE_SCOPE, 'gateway:admin'] });
    const byAdmin = createAgentCaller({ gatewayUrl: gw.url, credentials: admin, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
    const ok = await byAdmin.send({ agent: 'scorer', skill: 'score', input: { leadIds: ['l1', 'l2'] }, messageId: crypto.randomUUID(), onBehalfOf: { tenant: 'globex', subject: 'user-7' }, signal: AbortSignal.timeout(10_000) });
    assert.equal(ok.state, 'completed', JSON.stringify(ok));
    await gw.gateway.audit.flush();
    const call = (await gw.gateway.audit.tail({ limit: 300 })).find((r) => r.eventType === 'a2a.call' && r.taskId === ok.taskId && r.method === 'SendStreamingMessage');
    assert.equal(call?.tenant, 'globex');
    assert.equal(call?.user, 'user-7');
    assert.equal((call?.detail as any)?.delegatedBy, admin.clientId);
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
