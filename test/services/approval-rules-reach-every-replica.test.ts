/**
 * An approval rule written on one gateway replica applies on the others at
 * once (docs/approvals.md, "Declaring rules"), on the fleet path
 * (PostgreSQL + Redis): replica A in this process and replica B, a real
 * `agentmesh serve gateway` child, both with a sweep ten minutes apart, so
 * only the announcement on the shared bus can carry a rule across within
 * the bound. A rule written on A gates calls through B; deleted on B, it no
 * longer gates calls through A.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../src/runtime/index.js';
import { ADMIN_TOKEN, callAgent } from '../helpers/gateway-fixture.js';
import { startChildReplicaFleet, SWEEPS_TEN_MINUTES_APART } from '../helpers/gateway-replicas.js';
import { startedForSuite } from '../helpers/suite-fixture.js';
import { REDIS_URL, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const SECRET = 'approval-rules-replicas-secret-0123456789ab';
const EXTENSION = 'https://agentmesh.dev/extensions/approvals/v1';
/**
 * Far below the sweep (10 min): a rule seen within it came over the bus. A minute, not 3 s: on a loaded
 * CI machine (two cores, load 20 to 40) the bus and the card's rebuild take seconds.
 */
const BOUND_MS = 60_000;

const payments = defineAgent({
  card: { name: 'payments', description: 'Pays suppliers' },
  skills: { pay: { description: 'Pays', handler: async (text: string) => `paid ${text}` } },
});

describe('approval rules reach every gateway replica within a bounded time', { skip }, () => {
  const tenant = `rules-${randomSuffix()}`;
  const fleet = startedForSuite(() =>
    startChildReplicaFleet({ fleet: { redisUrl: REDIS_URL, secret: SECRET }, ...SWEEPS_TEN_MINUTES_APART, agents: [payments], caller: { name: 'buyer', tenant, credits: 100 } }),
  );

  const declares = async (url: string) => JSON.stringify(await (await fetch(`${url}/agents/payments/.well-known/agent-card.json`)).json()).includes(EXTENSION);
  const send = async (url: string, text: string) => {
    const res = await callAgent(url, 'payments', fleet().token, 'SendMessage', { message: { messageId: `m-${text}-${tenant}`, role: 'ROLE_USER', parts: [{ text }] } });
    return ((await res.json()) as { result: { task: { status: { state: string } } } }).result.task.status.state;
  };
  const rule = (url: string, method: 'PUT' | 'DELETE') =>
    fetch(`${url}/v1/approval-rules/every-payment`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(method === 'PUT' && { 'content-type': 'application/json' }) }, ...(method === 'PUT' && { body: JSON.stringify({ agent: 'payments', reason: 'every payment needs finance' }) }) });

  test('a rule written on A gates calls through B; deleted on B, it stops gating calls through A', async () => {
    assert.equal(await send(fleet().replicas.b.url, 'before'), 'TASK_STATE_COMPLETED', 'no rule yet');

    const put = await rule(fleet().replicas.a.url, 'PUT');
    assert.equal(put.status, 200, await put.text());
    const written = Date.now();
    await until('B to apply the rule A wrote', () => declares(fleet().replicas.b.url), BOUND_MS);
    const seenAfterMs = Date.now() - written;
    assert.equal(await send(fleet().replicas.b.url, 'gated'), 'TASK_STATE_AUTH_REQUIRED', 'B parks the call');

    assert.equal((await rule(fleet().replicas.b.url, 'DELETE')).status, 204);
    await until('A to drop the rule B deleted', async () => !(await declares(fleet().replicas.a.url)), BOUND_MS);
    assert.equal(await send(fleet().replicas.a.url, 'after'), 'TASK_STATE_COMPLETED', 'A no longer gates');
    assert.ok(seenAfterMs < BOUND_MS, `seen after ${seenAfterMs} ms`);
  });
});
