// test-tier: tools (needs haproxy)
/**
 * The gateway bench's "HAProxy relays, agentmesh decides" prototype, end to
 * end: a real HAProxy asks the policy agent (SPOP over loopback, the
 * gateway's own proxy steps and parts behind it) before relaying to a
 * runtime that accepts only the gateway's assertions, and tells it each
 * answer. Per call, and with the verdict kept in HAProxy's map; per call,
 * each of the gateway's other policies too (API keys, the skill's input
 * schema, PII, approvals, the answer journal).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { startHaproxySpoe, startPolicyAgentServer, type SpoeMode } from '../../../bench/gateway/spoe/index.js';
import type { NativeRelay } from '../../../bench/gateway/native-relay.js';
import { ADMIN_TOKEN, balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { until } from '../../helpers/until.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const echo = oneSkillAgent({ name: 'echo', description: 'Answers with one artifact', version: '1.0.0', creditsPerCall: 1 }, 'echo', {
  description: 'Answers with one artifact',
  handler: async (_input, ctx) => {
    ctx.artifact({ name: 'answer', parts: [{ text: 'ok' }] });
  },
});

let counter = 0;
function send(url: string, headers: Record<string, string>, method = 'SendMessage'): Promise<Response> {
  const message = { messageId: `m-${process.pid}-${++counter}`, role: 'ROLE_USER', parts: [{ text: 'hello' }] };
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: counter, method, params: { message } }) });
}

async function rateLimitedClient(gatewayUrl: string, requestsPerMinute: number): Promise<string> {
  const res = await fetch(`${gatewayUrl}/v1/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: `limited-${requestsPerMinute}`, tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute, burst: 1 } }),
  });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`client creation answered ${res.status}: ${JSON.stringify(body)}`);
  return fetchToken(gatewayUrl, { clientId: body.client_id ?? body.clientId, clientSecret: body.client_secret ?? body.clientSecret });
}

async function settled(mesh: GatewayMesh, charged: number, start: number): Promise<void> {
  await until(`${charged} credits charged to acme`, async () => {
    await mesh.gw.gateway.settleNow();
    return start - (await balanceTotal(mesh.gw.url, 'acme')) === charged * 1000;
  });
}

/** HAProxy in `mode` with the policy agent over `mesh`'s gateway, in a folder of its own; `stop` undoes all three. */
async function startSpoe(mesh: GatewayMesh, mode: SpoeMode): Promise<{ haproxy: NativeRelay; agent: Awaited<ReturnType<typeof startPolicyAgentServer>>; stop: () => Promise<void> }> {
  const agent = await startPolicyAgentServer(mesh.gw.gateway, { cacheVerdicts: mode === 'cached' });
  const dir = await mkdtemp(join(tmpdir(), 'agentmesh-spoe-'));
  const close = async (haproxy?: NativeRelay) => {
    await haproxy?.stop();
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  };
  const started = await startHaproxySpoe({ dir, upstream: mesh.host.url, gateway: mesh.gw.url, agentPort: agent.server.port, mode }).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  if ('missing' in started) {
    await close();
    throw new Error(started.missing);
  }
  return { haproxy: started, agent, stop: () => close(started) };
}

for (const mode of ['per-call', 'cached'] as SpoeMode[]) {
  describe(`HAProxy with the policy agent (${mode})`, () => {
    let mesh: GatewayMesh;
    let spoe: Awaited<ReturnType<typeof startSpoe>>;
    let haproxy: NativeRelay;
    let agent: Awaited<ReturnType<typeof startPolicyAgentServer>>;
    let url: string;
    let token: string;

    before(async () => {
      mesh = await startGatewayMesh({ agents: [echo] });
      await topUp(mesh.gw.url, 'acme', 100);
      token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'caller', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
      spoe = await startSpoe(mesh, mode);
      ({ haproxy, agent } = spoe);
      url = `${haproxy.origin}/agents/echo`;
    });

    after(async () => {
      await spoe?.stop();
      await mesh?.close();
    });

    test('the runtime behind it refuses a call without the gateway assertion', async () => {
      const res = await send(`${mesh.host.url}/agents/echo`, {});
      const body = (await res.json()) as any;
      assert.equal(body.result, undefined, JSON.stringify(body));
      assert.match(JSON.stringify(body.error), /assertion/i);
    });

    test('a call with a token completes, through a runtime that requires the assertion, and is charged and audited', async () => {
      const start = await balanceTotal(mesh.gw.url, 'acme');
      const calls = mode === 'cached' ? 3 : 1;
      for (let i = 0; i < calls; i++) {
        const res = await send(url, { authorization: `Bearer ${token}` });
        const body = (await res.json()) as any;
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
      }
      await settled(mesh, calls, start);
      // The agent is asked once for the token; the other calls are answered from HAProxy's map and charged on their response.
      if (mode === 'cached') assert.deepEqual([agent.agent.stats.allowed, agent.agent.stats.charges], [1, calls - 1]);
      await mesh.gw.gateway.audit.flush();
      const rows = await mesh.gw.gateway.audit.tail({ limit: 20 });
      const calls_ = rows.filter((r) => r.eventType === 'a2a.call' && r.tenant === 'acme' && r.outcome === 'ok' && r.milliCredits === 1000);
      assert.ok(calls_.length >= calls, `audit rows: ${JSON.stringify(rows.map((r) => [r.eventType, r.outcome, r.milliCredits]))}`);
      if (mode === 'per-call') assert.ok(calls_.some((r) => r.taskId !== undefined && r.inputHash !== undefined && r.skill === 'echo'));
    });

    test('no token, or one signed by another key: 401 in the JSON-RPC envelope with the challenge', async () => {
      const none = await send(url, {});
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="agentmesh"/);
      const body = (await none.json()) as any;
      assert.equal(body.jsonrpc, '2.0');
      assert.equal(typeof body.error.code, 'number');
      assert.ok(body.error.message.length > 0);
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT(decodeJwt(token)).setProtectedHeader(decodeProtectedHeader(token) as { alg: string }).sign(privateKey);
      const wrong = await send(url, { authorization: `Bearer ${forged}` });
      await wrong.arrayBuffer();
      assert.equal(wrong.status, 401);
    });

    test('a token without the operation scope is refused 403', async () => {
      const reader = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'reader', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
      const res = await send(url, { authorization: `Bearer ${reader}` });
      const body = (await res.json()) as any;
      assert.equal(res.status, 403);
      assert.match(body.error.message, /a2a:message:send/);
    });

    test("a client past its quota is refused 429", async () => {
      const limited = await rateLimitedClient(mesh.gw.url, 1);
      const first = await send(url, { authorization: `Bearer ${limited}` });
      await first.arrayBuffer();
      assert.equal(first.status, 200);
      // One a minute and a burst of one (the agent's windows), or a rate over one (HAProxy's table, cached): the third is refused.
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await send(url, { authorization: `Bearer ${limited}` });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      assert.equal(statuses.at(-1), 429, `statuses after the first: ${statuses.join(', ')}`);
    });

    test('an agent the registry does not know is 404', async () => {
      const res = await send(`${haproxy.origin}/agents/nobody`, { authorization: `Bearer ${token}` });
      await res.arrayBuffer();
      assert.equal(res.status, 404);
    });
  });
}

/** An agent whose skill declares an input schema, and whose large amounts an approval rule parks. */
const payments = oneSkillAgent({ name: 'payments', description: 'Pays an amount', version: '1.0.0', creditsPerCall: 2 }, 'pay', {
  description: 'Pays an amount',
  input: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } },
  handler: async (input: { amount: number }, ctx) => {
    ctx.artifact({ name: 'paid', parts: [{ text: `paid ${input.amount}` }] });
  },
});

/** A card number that passes Luhn: the personal data of these tests. */
const CARD = '4111 1111 1111 1111';

function call(url: string, headers: Record<string, string>, message: Record<string, unknown>, method = 'SendMessage'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: `c-${++counter}`, method, params: method === 'SendMessage' ? { message } : message }) });
}

function textMessage(text: string): Record<string, unknown> {
  return { messageId: `m-${process.pid}-${++counter}`, role: 'ROLE_USER', parts: [{ text }] };
}

function amountMessage(amount: unknown): Record<string, unknown> {
  return { messageId: `m-${process.pid}-${++counter}`, role: 'ROLE_USER', parts: [{ data: { amount } }] };
}

describe("HAProxy with the policy agent (per-call): the gateway's other policies, through HAProxy", () => {
  let mesh: GatewayMesh;
  let spoe: Awaited<ReturnType<typeof startSpoe>>;
  let haproxy: NativeRelay;
  let agent: Awaited<ReturnType<typeof startPolicyAgentServer>>;
  let token: string;
  const scopes = ['a2a:message:send', 'a2a:tasks:read'];

  before(async () => {
    mesh = await startGatewayMesh({
      agents: [echo, payments],
      gateway: {
        pii: { default: { action: 'log' }, tenants: { globex: { action: 'block', kinds: ['card'] }, initech: { action: 'redact' } } },
        approvals: { rules: [{ id: 'big-payments', agent: 'payments', condition: 'input.amount > 1000', reason: 'Payments above 1000 need a finance approval' }] },
      },
    });
    for (const tenant of ['acme', 'globex', 'initech']) await topUp(mesh.gw.url, tenant, 100);
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'caller', tenant: 'acme', scopes }));
    spoe = await startSpoe(mesh, 'per-call');
    ({ haproxy, agent } = spoe);
  });

  after(async () => {
    await spoe?.stop();
    await mesh?.close();
  });

  test('an API key authenticates a call; a key with a wrong secret is refused 401 with the challenge', async () => {
    const created = await fetch(`${mesh.gw.url}/v1/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ name: 'batch', tenant: 'acme', scopes }) });
    const { key } = (await created.json()) as { key: string };
    assert.equal(created.status, 201);
    const ok = await call(`${haproxy.origin}/agents/echo`, { 'x-api-key': key }, textMessage('hello'));
    const body = (await ok.json()) as any;
    assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
    const wrongKey = { 'x-api-key': `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` };
    const wrong = await call(`${haproxy.origin}/agents/echo`, wrongKey, textMessage('hello'));
    const refusal = (await wrong.json()) as any;
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer realm="agentmesh", error="invalid_token"/);
    assert.equal(refusal.jsonrpc, '2.0');
    // The content type the gateway answers the same refusal with, in each binding (v1 HTTP+JSON's is application/a2a+json).
    const direct = await call(`${mesh.gw.url}/agents/echo`, wrongKey, textMessage('hello'));
    await direct.arrayBuffer();
    assert.equal(wrong.headers.get('content-type'), direct.headers.get('content-type'));
    const rest = (origin: string) => fetch(`${origin}/agents/echo/message:send`, { method: 'POST', headers: { 'content-type': 'application/a2a+json', 'a2a-version': '1.0', ...wrongKey }, body: JSON.stringify({ message: textMessage('hello') }) });
    const [restThrough, restDirect] = [await rest(haproxy.origin), await rest(mesh.gw.url)];
    const [restBody, restDirectBody] = [(await restThrough.json()) as any, (await restDirect.json()) as any];
    assert.equal(restThrough.status, restDirect.status);
    assert.equal(restThrough.headers.get('content-type'), restDirect.headers.get('content-type'));
    assert.equal(restBody.error.status, restDirectBody.error.status);
  });

  test("a message its skill's input schema refuses is answered as the gateway answers it, in the caller's binding, and never reaches the agent", async () => {
    // The earlier tests' calls settle after their answers; write those settlements first so only this call's charge is compared.
    await mesh.gw.gateway.settleNow();
    const before = await balanceTotal(mesh.gw.url, 'acme');
    const through = await call(`${haproxy.origin}/agents/payments`, { authorization: `Bearer ${token}` }, amountMessage('lots'));
    const direct = await call(`${mesh.gw.url}/agents/payments`, { authorization: `Bearer ${token}` }, amountMessage('lots'));
    const [a, b] = [(await through.json()) as any, (await direct.json()) as any];
    assert.equal(through.status, direct.status);
    assert.equal(a.jsonrpc, '2.0');
    assert.equal(a.error.code, b.error.code);
    assert.equal(a.error.data[0].metadata.code, b.error.data[0].metadata.code);
    assert.match(a.error.message, /amount/);
    await mesh.gw.gateway.settleNow();
    assert.equal(await balanceTotal(mesh.gw.url, 'acme'), before);
  });

  test('a message a PII policy blocks is refused with AM_ERR_GATEWAY_PII_BLOCKED; one a policy redacts is relayed to the gateway, which redacts it', async () => {
    const blocked = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'blocked', tenant: 'globex', scopes }));
    const res = await call(`${haproxy.origin}/agents/echo`, { authorization: `Bearer ${blocked}` }, textMessage(`card ${CARD}`));
    const body = (await res.json()) as any;
    assert.equal(res.status, 400);
    assert.equal(body.error.data[0].metadata.code, 'AM_ERR_GATEWAY_PII_BLOCKED');
    assert.ok(!JSON.stringify(body).includes('4111'));
    const redacted = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'redacted', tenant: 'initech', scopes }));
    const toGateway = agent.agent.stats.toGateway;
    const relayed = await call(`${haproxy.origin}/agents/echo`, { authorization: `Bearer ${redacted}` }, textMessage(`card ${CARD}`));
    const answer = (await relayed.json()) as any;
    assert.equal(answer.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(answer));
    assert.equal(agent.agent.stats.toGateway, toGateway + 1);
    await mesh.gw.gateway.audit.flush();
    const rows = await mesh.gw.gateway.audit.tail({ limit: 20 });
    assert.ok(rows.some((r: any) => r.tenant === 'initech' && r.detail?.pii?.action === 'redact'), JSON.stringify(rows.map((r: any) => [r.tenant, r.detail])));
  });

  test('a call an approval rule matches is parked: answered with its gated task, which GetTask then reads through HAProxy', async () => {
    const res = await call(`${haproxy.origin}/agents/payments`, { authorization: `Bearer ${token}` }, amountMessage(5000));
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_AUTH_REQUIRED');
    assert.match(JSON.stringify(task.status.message), /finance approval/);
    const parked = await mesh.gw.gateway.approvals.get(task.id, 'acme');
    assert.equal(parked?.state, 'pending');
    const read = await call(`${haproxy.origin}/agents/payments`, { authorization: `Bearer ${token}` }, { id: task.id }, 'GetTask');
    const again = (await read.json()) as any;
    assert.equal(again.result?.id, task.id, JSON.stringify(again));
    assert.equal(again.result.status.state, 'TASK_STATE_AUTH_REQUIRED');
  });

  test("the answer reaches the client only once the call's settlement and audit row are in the answer journal", async () => {
    const journal = mesh.gw.gateway.callSteps.journal!;
    const { writeNow, written } = journal;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const asked = new Promise<void>((resolve) => (reached = resolve));
    const hold = (write: () => Promise<void> | undefined) => () => {
      reached();
      return held.then(() => write());
    };
    journal.writeNow = hold(() => writeNow.call(journal));
    journal.written = hold(() => written.call(journal)) as () => Promise<void>;
    try {
      let answered = false;
      const pending = call(`${haproxy.origin}/agents/echo`, { authorization: `Bearer ${token}` }, textMessage('hello')).then((res) => {
        answered = true;
        return res;
      });
      await asked;
      // The runtime has answered and the agent is waiting on the journal: HAProxy holds the answer meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(answered, false, 'the answer was released before the journal was written');
      release();
      const res = await pending;
      const body = (await res.json()) as any;
      assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
    } finally {
      journal.writeNow = writeNow;
      journal.written = written;
    }
  });
});
