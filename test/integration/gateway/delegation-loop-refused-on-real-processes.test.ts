/**
 * The delegation guard against `agentmesh serve gateway` run as a process of
 * its own (delegationMaxDepth 1, from its environment): a caller calls alpha,
 * alpha calls beta for it with a token exchanged for the assertion it was
 * sent, and beta calls alpha back, over JSON-RPC (the agent caller), over
 * HTTP+JSON and at alpha's ACP door (a token it exchanges itself): each refused as a loop, before
 * alpha is reached. beta's call to gamma carries two actors, one more than
 * allowed: refused as too deep. The gateway's audit trail, read by
 * `agentmesh audit tail` once the gateway has stopped, holds one
 * `delegation.refused` row per refusal, with the reason and the chain.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SkillContext } from '../../../src/runtime/index.js';
import { runToExit } from '../../helpers/child-output.js';
import { startSqliteChildGateway, type SqliteChildGateway } from '../../helpers/child-gateway.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { callForCaller } from '../../helpers/call-for-caller.js';
import { until } from '../../helpers/until.js';
import { userText } from '../../helpers/acp-client.js';

const ADMIN_TOKEN = 'admin-token-of-the-loop-guard-test-0123';
const A2A = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
type Client = { clientId: string; clientSecret: string };

/** What the agents need to call further: set once the gateway is up. */
const access: { url: string; alpha?: Client; beta?: Client } = { url: '' };

const basic = (c: Client) => `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;

/** Calls `agent` for the caller of `ctx` through the gateway, as `client`, over JSON-RPC: the outcome, whatever it is. */
function callFor(ctx: SkillContext, client: Client, agent: string, skill: string) {
  return callForCaller(ctx, { gatewayUrl: access.url, client }, { agent, skill, input: { from: ctx.taskId } });
}

/** Calls alpha over HTTP+JSON (A2A 1.0) and over its ACP door, with a token exchanged for the assertion beta was sent. */
async function restCallBack(ctx: SkillContext): Promise<{ rest: { status: number; body: unknown }; acp: { status: number; body: unknown } }> {
  const exchanged = await fetch(`${access.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(access.beta!) },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: ctx.caller.subjectToken ?? '', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' }).toString(),
  });
  const token = ((await exchanged.json()) as { access_token: string }).access_token;
  const res = await fetch(`${access.url}/agents/alpha/message:send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
    body: JSON.stringify({ message: { messageId: `${ctx.taskId}-rest`, role: 'ROLE_USER', parts: [{ text: 'again' }] } }),
  });
  const acp = await fetch(`${access.url}/agents/alpha/acp/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ agent_name: 'alpha', input: [userText('again')] }),
  });
  return { rest: { status: res.status, body: await res.json() }, acp: { status: acp.status, body: await acp.json() } };
}

const alpha = oneSkillAgent({ name: 'alpha', description: 'Asks beta' }, 'relay', {
  description: 'Asks beta for its caller',
  handler: async (_input: unknown, ctx: SkillContext) => {
    const outcome = await callFor(ctx, access.alpha!, 'beta', 'bounce');
    if (outcome.state !== 'completed') throw new Error(`beta ${outcome.state}: ${JSON.stringify(outcome)}`);
    return { beta: outcome.output };
  },
});

const beta = oneSkillAgent({ name: 'beta', description: 'Calls back whoever called it' }, 'bounce', {
  description: 'Calls alpha back, and gamma, for its caller',
  handler: async (_input: unknown, ctx: SkillContext) => {
    const back = await callFor(ctx, access.beta!, 'alpha', 'relay');
    const { rest, acp } = await restCallBack(ctx);
    const further = await callFor(ctx, access.beta!, 'gamma', 'echo');
    return { back, rest, acp, further, actors: ctx.caller.actors ?? [] };
  },
});

const gamma = oneSkillAgent({ name: 'gamma', description: 'Echoes' }, 'echo', { description: 'Echoes', handler: async (input: unknown) => input });

describe('a delegation that loops back, on real processes', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let gateway: SqliteChildGateway | undefined;
  let user: Client;

  const admin = async (body: unknown): Promise<Client> => {
    const res = await fetch(`${access.url}/v1/clients`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(body) });
    const json = (await res.json()) as { client_id: string; client_secret: string };
    assert.equal(res.status, 201, JSON.stringify(json));
    return { clientId: json.client_id, clientSecret: json.client_secret };
  };

  before(async () => {
    registry = await startRegistry({ probeIntervalMs: 200 });
    gateway = await startSqliteChildGateway({
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      GATEWAY_SECRET: 'a-gateway-secret-of-the-loop-guard-test-0123456789',
      GATEWAY_DELEGATION_MAX_DEPTH: '1',
      REGISTRY_URL: registry.url,
    });
    access.url = gateway.url;
    host = await startRuntime([alpha, beta, gamma], { registryUrl: registry.url, gatewayJwksUrl: `${access.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
    access.alpha = await admin({ name: 'alpha', tenant: 'platform', scopes: ['gateway:delegate', ...A2A], authMethod: 'client_secret_basic' });
    access.beta = await admin({ name: 'beta', tenant: 'platform', scopes: ['gateway:delegate', ...A2A], authMethod: 'client_secret_basic' });
    user = await admin({ name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'], authMethod: 'client_secret_basic' });
    for (const agent of ['alpha', 'beta', 'gamma']) {
      await until(`the gateway to route to ${agent}`, async () => (await fetch(`${access.url}/agents/${agent}/.well-known/agent-card.json`)).status === 200);
    }
  });
  after(async () => {
    await gateway?.close();
    await host?.close();
    await registry?.close();
  });

  test('alpha → beta → alpha is refused in the caller\'s binding, beta → gamma as too deep, each with its audit row', async () => {
    const tokenRes = await fetch(`${access.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(user) }, body: 'grant_type=client_credentials' });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const res = await fetch(`${access.url}/agents/alpha`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm-loop-1', role: 'ROLE_USER', parts: [{ data: { go: true } }], metadata: { skillId: 'relay' } } } }),
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const seen = task.artifacts.find((a: any) => a.name === 'result').parts[0].data.beta;
    assert.deepEqual(seen.actors, [access.alpha!.clientId], 'beta acts for the caller through alpha');

    // Over JSON-RPC (the agent caller): a final failure, not retried.
    assert.equal(seen.back.state, 'failed', JSON.stringify(seen.back));
    assert.equal(seen.back.refused, true, 'a refusal, which a step does not retry');
    assert.match(seen.back.error, /Calling alpha would loop: it already acts in this call's delegation chain \(alpha → beta → alpha\)/);
    // Over HTTP+JSON: 403 google.rpc.Status with the code and the reason.
    assert.equal(seen.rest.status, 403, JSON.stringify(seen.rest.body));
    assert.equal(seen.rest.body.error.status, 'PERMISSION_DENIED');
    const info = seen.rest.body.error.details.find((d: any) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
    assert.equal(info.reason, 'AM_ERR_GATEWAY_DELEGATION_REFUSED');
    assert.equal(info.metadata.refused, 'loop');
    // At alpha's ACP door: ACP's Error shape, with the same code.
    assert.equal(seen.acp.status, 403, JSON.stringify(seen.acp.body));
    assert.equal(seen.acp.body.data.code, 'AM_ERR_GATEWAY_DELEGATION_REFUSED');
    // Two actors (alpha, beta) where one is allowed.
    assert.equal(seen.further.state, 'failed', JSON.stringify(seen.further));
    assert.match(seen.further.error, /carries a delegation chain of 2 actors; this gateway allows at most 1/);

    // The trail, as the operator reads it once the gateway has stopped (its audit flushed).
    assert.equal(await gateway!.stop(), 0);
    const { dataDir } = gateway!;
    const tail = await runToExit(['audit', 'tail', '--data-dir', dataDir, '--limit', '1000', '--json'], { AGENTMESH_DATA_DIR: dataDir, DATABASE_URL: undefined });
    assert.equal(tail.code, 0, tail.output);
    const rows = tail.output.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const refused = rows.filter((r) => r.eventType === 'delegation.refused');
    const loops = refused.filter((r) => r.targetAgent === 'alpha');
    assert.equal(loops.length, 3, `one row per refused call back: ${JSON.stringify(refused)}`);
    for (const row of loops) {
      assert.equal(row.outcome, 'denied');
      assert.equal(row.errorCode, 'AM_ERR_GATEWAY_DELEGATION_REFUSED');
      assert.deepEqual([row.tenant, row.user], ['acme', user.clientId], 'the top caller\'s tenant and subject');
      assert.deepEqual(row.actor, { kind: 'client', id: access.beta!.clientId });
      assert.equal(row.detail.refused, 'loop');
      assert.deepEqual(row.detail.act, { sub: access.beta!.clientId, agent: 'beta', act: { sub: access.alpha!.clientId, agent: 'alpha' } });
    }
    const deep = refused.filter((r) => r.targetAgent === 'gamma');
    assert.equal(deep.length, 1, JSON.stringify(refused));
    assert.equal(deep[0].detail.refused, 'depth');
    assert.ok(!rows.some((r) => r.eventType === 'a2a.call' && (r.targetAgent === 'alpha' || r.targetAgent === 'gamma') && r.actor?.id === access.beta!.clientId), 'no refused call reached an agent');
  });
});
