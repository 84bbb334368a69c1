/**
 * Two gateway replicas on one PostgreSQL spend one
 * tenant's balance concurrently. Every completed task is charged exactly
 * once, the balance never goes below zero, and the calls the balance cannot
 * cover are refused with 402 before they reach the agent.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../src/runtime/index.js';
import { available, callAgent, createClient, fetchToken, topUp } from '../helpers/gateway-fixture.js';
import { startGatewayReplicas } from '../helpers/gateway-replicas.js';
import { startRuntime } from '../helpers/runtime-fixture.js';
import { postgresSkipReason, randomSuffix } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { closeInTurn } from '../helpers/close-in-turn.js';

const skip = await postgresSkipReason();
const SECRET = 'two-gateways-test-secret-0123456789abcdef';
const BALANCE_CREDITS = 40;
const CALLS = 90;
const IN_FLIGHT = 12;

/** One credit per call, reported by the agent as what it used: settlement equals the estimate. */
const meter = defineAgent({
  card: { name: 'meter', description: 'Charges one credit per call' },
  registry: { department: 'finance', skills: { tick: { pricing: { creditsPerItem: 1, itemsPath: 'items' } } } },
  skills: {
    tick: {
      description: 'Counts one item',
      input: { type: 'object', required: ['items'], properties: { items: { type: 'array' } } },
      handler: async (input: { items: unknown[] }, ctx) => {
        ctx.usage({ credits: input.items.length });
        return { counted: input.items.length };
      },
    },
  },
});

describe('two gateway replicas on one PostgreSQL spending one balance', { skip }, () => {
  let replicas: Awaited<ReturnType<typeof startGatewayReplicas>>;
  let a: typeof replicas.a;
  let b: typeof replicas.b;
  let host: Awaited<ReturnType<typeof startRuntime>>;

  before(async () => {
    // One deployment: one schema, one secret, one public URL (tokens from either work on both).
    replicas = await startGatewayReplicas(SECRET);
    ({ a, b } = replicas);
    host = await startRuntime([meter], { registryUrl: replicas.registry.url, gatewayJwksUrl: replicas.jwksUrl, requireGatewayAssertion: true });
    for (const g of [a, b]) await until('the replica to route to the meter', async () => g.gateway.router.agent('meter')?.instances.some((i) => i.inRotation) ?? false);
  });
  after(() => closeInTurn(host, replicas));

  test(`${CALLS} priced calls over both replicas against ${BALANCE_CREDITS} credits: each completed task charged once, never below zero`, async () => {
    const tenant = `spend-${randomSuffix()}`;
    const token = await fetchToken(a.url, await createClient(a.url, { name: 'spender', tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(a.url, tenant, BALANCE_CREDITS);
    const replicas = [a.url, b.url];
    let completed = 0;
    let refused = 0;
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < CALLS; i = next++) {
        const message = { messageId: `m-${i}`, role: 'ROLE_USER', parts: [{ data: { items: [i] } }], metadata: { skillId: 'tick' } };
        const res = await callAgent(replicas[i % 2]!, 'meter', token, 'SendMessage', { message }, { id: i });
        const body = (await res.json()) as any;
        if (body.result?.task?.status?.state === 'TASK_STATE_COMPLETED') completed++;
        else if (res.status === 402 && body.error?.data?.[0]?.metadata?.code === 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS') refused++;
        else problems.push(`#${i}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    assert.deepEqual(problems, []);
    assert.equal(completed + refused, CALLS);
    assert.ok(completed > 0 && refused > 0, `both sides of the balance were reached (${completed} completed, ${refused} refused)`);
    assert.ok(completed <= BALANCE_CREDITS, `${completed} tasks completed on ${BALANCE_CREDITS} credits`);
    // Drain both replicas' credits (their settlements written, their leases returned; ADR 0010).
    await Promise.all([a.gateway.credits.close(), b.gateway.credits.close()]);
    // Exactly once: what is left is what was put in minus one credit per completed task, on either replica's view.
    const left = await available(a.url, tenant);
    assert.equal(left, (BALANCE_CREDITS - completed) * 1000);
    assert.ok(left >= 0);
    assert.equal(await available(b.url, tenant), left);
  });
});
