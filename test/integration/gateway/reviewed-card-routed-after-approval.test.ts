/**
 * A card change held for review is not routed until a reviewer approves it
 * (docs/registry.md#review-holds): a runtime comes back with a new skill,
 * the registry holds its card, the gateway keeps routing by the approved one
 * (the new skill refused, the served card without it), and once approved the
 * watch stream carries the new card and the gateway routes the new skill.
 * Real registry, gateway and runtimes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { call } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

const answer = {
  description: 'Answers a question',
  input: { type: 'object', required: ['question'], properties: { question: { type: 'string' } } },
  handler: async (input: { question: string }) => ({ answer: `you asked: ${input.question}` }),
};
const refund = {
  description: 'Refunds an order',
  input: { type: 'object', required: ['order'], properties: { order: { type: 'string' } } },
  handler: async (input: { order: string }) => ({ refunded: input.order }),
};
// Its registry block sends the skills' input schemas with the card: the gateway judges a call's skill by the record.
const helpdeskV1 = defineAgent({ card: { name: 'helpdesk', description: 'The help desk', version: '1.0.0' }, registry: { department: 'support' }, skills: { answer } });
const helpdeskV2 = defineAgent({ card: { name: 'helpdesk', description: 'The help desk', version: '2.0.0' }, registry: { department: 'support' }, skills: { answer, refund } });

describe('a card change held for review', () => {
  let mesh: GatewayMesh;
  let token: string;
  const runtimes: Array<{ close: () => Promise<void> }> = [];

  before(async () => {
    mesh = await startGatewayMesh({ registry: { review: { required: true } } });
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'helpdesk-user', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'] }));
  });
  after(async () => {
    for (const runtime of runtimes.reverse()) await runtime.close();
    await mesh?.close();
  });

  const runtimeLinks = () => ({ registryUrl: mesh.registry.url, gatewayJwksUrl: `${mesh.gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
  const inRotation = (url: string) => mesh.gw.gateway.router.agent('helpdesk')?.instances.some((i) => i.inRotation && i.url.startsWith(url)) ?? false;

  /** SendMessage through the gateway, naming the skill; the JSON-RPC answer. */
  async function send(skillId: string, data: Record<string, unknown>): Promise<{ result?: any; error?: any }> {
    const response = await fetch(`${mesh.gw.url}/agents/helpdesk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: `m-${skillId}-${Date.now()}-${Math.random()}`, role: 'ROLE_USER', parts: [{ data }], metadata: { skillId } } } }),
    });
    return (await response.json()) as { result?: any; error?: any };
  }

  const servedSkills = async () => {
    const response = await fetch(`${mesh.gw.url}/agents/helpdesk/.well-known/agent-card.json`, { headers: { authorization: `Bearer ${token}` } });
    return ((await response.json()) as { skills: Array<{ id: string }> }).skills.map((s) => s.id);
  };

  test('the new skill is refused through the gateway until the change is approved, then routed', async () => {
    const v1 = await startRuntime([helpdeskV1], runtimeLinks());
    runtimes.push(v1);
    await until('the gateway to route helpdesk v1', () => inRotation(v1.url));
    assert.ok(JSON.stringify((await send('answer', { question: 'hours?' })).result).includes('you asked: hours?'));

    // Version 2 comes up beside it: its registration is held, its instance joins the approved agent.
    const v2 = await startRuntime([helpdeskV2], runtimeLinks());
    runtimes.push(v2);
    let reviewId: string | undefined;
    await until('the registry to hold version 2 for review', async () => {
      reviewId = (await call(mesh.registry.url, 'GET', '/v1/reviews?agent=helpdesk')).body.reviews[0]?.id;
      return reviewId !== undefined;
    });
    await until('the gateway to route to the version 2 runtime', () => inRotation(v2.url));
    // Version 1 leaves: every call now reaches version 2, which would serve the refund.
    await runtimes.shift()!.close();
    await until('the version 1 runtime to leave the rotation', () => !inRotation(v1.url));

    const review = (await call(mesh.registry.url, 'GET', `/v1/reviews/${reviewId}`)).body;
    assert.ok(review.summary.includes('skill "refund" added'), review.summary.join('\n'));
    assert.deepEqual(await servedSkills(), ['answer'], 'the gateway serves the approved card');
    const refused = await send('refund', { order: 'o-17' });
    assert.equal(refused.result, undefined, 'not routed before approval');
    assert.match(refused.error.message, /refund|skill/i);
    assert.ok(JSON.stringify((await send('answer', { question: 'still there?' })).result).includes('you asked: still there?'));

    const approved = await call(mesh.registry.url, 'POST', `/v1/reviews/${reviewId}/approve`, { reason: 'refunds go live' });
    assert.equal(approved.status, 200);
    await until('the gateway to hold the approved card', () => mesh.gw.gateway.router.agent('helpdesk')?.record.card.skills.some((s) => s.id === 'refund') ?? false);
    assert.deepEqual(await servedSkills(), ['answer', 'refund']);
    const routed = await send('refund', { order: 'o-17' });
    assert.equal(routed.error, undefined, JSON.stringify(routed.error));
    assert.ok(JSON.stringify(routed.result).includes('"refunded":"o-17"'), JSON.stringify(routed.result));
  });
});
