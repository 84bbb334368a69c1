/**
 * A session-aware policy across two gateway replicas on the fleet path
 * (PostgreSQL + Redis; docs/policies.md, "Session counters"): replica A in
 * this process and replica B, a real `agentmesh serve gateway` child, both
 * with reloads ten minutes apart, so only the bus carries a policy change
 * across. "At most three refunds a day" counts the refunds made through
 * either replica in Redis: the fourth is refused whichever replica it goes
 * through. A change written on A is in force on B; rolled back on B, the
 * earlier version is in force on A again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, callAgent } from '../helpers/gateway-fixture.js';
import { startChildReplicaFleet, SWEEPS_TEN_MINUTES_APART } from '../helpers/gateway-replicas.js';
import { startedForSuite } from '../helpers/suite-fixture.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';
import { REDIS_URL, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const SECRET = 'policy-counters-replicas-secret-0123456789';
/** Far below the reload (10 min): a change seen within it came over the bus (a loaded CI host takes seconds). */
const BOUND_MS = 60_000;

const payments = oneSkillAgent({ name: 'payments', description: 'Refunds customers', creditsPerCall: 1 }, 'refund', {
  description: 'Refunds an amount',
  handler: async (text: string) => `refunded ${text}`,
});

describe('a session-aware policy holds across gateway replicas on Redis', { skip }, () => {
  const tenant = `policies-${randomSuffix()}`;
  let sequence = 0;
  const fleet = startedForSuite(() =>
    startChildReplicaFleet({ fleet: { redisUrl: REDIS_URL, secret: SECRET }, ...SWEEPS_TEN_MINUTES_APART, agents: [payments], caller: { name: 'clerk', tenant, credits: 100 } }),
  );

  const refund = async (url: string): Promise<string> => {
    const res = await callAgent(url, 'payments', fleet().token, 'SendMessage', { message: { messageId: `refund-${tenant}-${sequence++}`, role: 'ROLE_USER', parts: [{ text: '10' }], metadata: { skillId: 'refund' } } });
    const body = (await res.json()) as { result?: { task: { status: { state: string } } }; error?: { details?: Array<{ reason?: string }>; data?: Array<{ reason?: string }> } };
    return body.result?.task.status.state ?? JSON.stringify(body.error);
  };
  const admin = (url: string, path: string, method: string, body?: unknown) =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const inForce = async (url: string): Promise<number | undefined> => {
    const { policies } = (await (await admin(url, `/v1/policies?tenant=${tenant}`, 'GET')).json()) as { policies: Array<{ id: string; version: number }> };
    return policies.find((p) => p.id === 'refunds-a-day')?.version;
  };
  const policy = (limit: number) => ({ effect: 'forbid', tenant, target: { agent: 'payments', skill: 'refund' }, condition: `context.calls.principal.day >= ${limit}`, reason: `at most ${limit} refunds a day` });

  test('the fourth refund of the day is refused on either replica; a change and its rollback reach the other replica', async () => {
    const put = await admin(fleet().replicas.a.url, '/v1/policies/refunds-a-day', 'PUT', policy(3));
    assert.equal(put.status, 201);
    await until('B to hold version 1', async () => (await inForce(fleet().replicas.b.url)) === 1, BOUND_MS);

    assert.equal(await refund(fleet().replicas.a.url), 'TASK_STATE_COMPLETED', 'first, through A');
    assert.equal(await refund(fleet().replicas.b.url), 'TASK_STATE_COMPLETED', 'second, through B');
    assert.equal(await refund(fleet().replicas.a.url), 'TASK_STATE_COMPLETED', 'third, through A');
    assert.match(await refund(fleet().replicas.b.url), /AM_ERR_GATEWAY_POLICY_FORBIDDEN/, 'the fourth, through B, counts the refunds A let through');
    assert.match(await refund(fleet().replicas.a.url), /AM_ERR_GATEWAY_POLICY_FORBIDDEN/, 'and through A: a denial is not a refund');

    assert.equal((await admin(fleet().replicas.a.url, '/v1/policies/refunds-a-day', 'PUT', policy(5))).status, 200);
    await until('B to hold version 2', async () => (await inForce(fleet().replicas.b.url)) === 2, BOUND_MS);
    assert.equal(await refund(fleet().replicas.b.url), 'TASK_STATE_COMPLETED', 'version 2 allows a fourth');

    const rolled = await admin(fleet().replicas.b.url, '/v1/policies/refunds-a-day/rollback', 'POST', { version: 1, tenant });
    assert.equal(rolled.status, 200);
    await until('A to hold version 3', async () => (await inForce(fleet().replicas.a.url)) === 3, BOUND_MS);
    assert.match(await refund(fleet().replicas.a.url), /AM_ERR_GATEWAY_POLICY_FORBIDDEN/, 'rolled back to three a day');
  });
});
