/**
 * Parked calls outlive the gateway that parked them (docs/approvals.md,
 * ADR 0037), on the fleet path (PostgreSQL + Redis): replica B, a real
 * `agentmesh serve gateway` child, parks calls, approves one, and is killed
 * with SIGKILL while that approved call is still with the agent. Replica A
 * then finds every parked call still pending (none lost), decides them,
 * sends the one B left half-sent again, and the agent runs each approved
 * call exactly once (none doubled); every approved call is charged once,
 * every denied one refunded, and nothing stays held.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ADMIN_TOKEN, available, balanceTotal, callAgent } from '../helpers/gateway-fixture.js';
import { startChildReplicaFleet } from '../helpers/gateway-replicas.js';
import { REDIS_URL, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const SECRET = 'approvals-kill-test-secret-0123456789abcdef';
const PRICE = 3_000;

/** Runs per message id: the proof that nothing ran twice. */
const runs = new Map<string, number>();
/** The held call waits on this until the test lets it finish. */
let release: () => void = () => {};
const held = new Promise<void>((resolve) => (release = resolve));
let heldStarted = false;

const payments = oneSkillAgent({ name: 'payments', description: 'Pays suppliers', creditsPerCall: PRICE / 1000 }, 'pay', {
  description: 'Pays',
  handler: async (text: string) => {
    runs.set(text, (runs.get(text) ?? 0) + 1);
    if (text === 'held') {
      heldStarted = true;
      await held;
    }
    return `paid ${text}`;
  },
});

describe('parked calls survive a gateway killed with SIGKILL: none lost, none doubled, credits right', { skip }, () => {
  let replicas: Awaited<ReturnType<typeof startChildReplicaFleet>>['replicas'];
  let close: (() => Promise<void>) | undefined;
  let token: string;
  const tenant = `approvals-${randomSuffix()}`;
  const TOPPED_UP = 100_000;
  const parked = new Map<string, string>();

  before(async () => {
    ({ replicas, token, close } = await startChildReplicaFleet({
      fleet: { redisUrl: REDIS_URL, secret: SECRET },
      config: { creditsMode: 'exact' },
      childEnv: { GATEWAY_CREDITS_MODE: 'exact' },
      agents: [payments],
      caller: { name: 'buyer', tenant, credits: TOPPED_UP / 1000 },
    }));
    const rule = await fetch(`${replicas.b.url}/v1/approval-rules/every-payment`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'payments', reason: 'every payment needs finance' }) });
    assert.equal(rule.status, 200, await rule.text());
  });
  after(async () => {
    release();
    await close?.();
  });

  const decide = (url: string, id: string, decision: 'approve' | 'deny') =>
    fetch(`${url}/v1/approvals/${id}/${decision}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: `${decision} in test` }) });

  test('B parks five calls and dies mid-send of an approved one; A decides them all, each approved call runs once', async () => {
    const { a, b } = replicas;
    for (const text of ['held', 'p1', 'p2', 'p3', 'p4']) {
      const res = await callAgent(b.url, 'payments', token, 'SendMessage', { message: { messageId: `m-${text}-${tenant}`, role: 'ROLE_USER', parts: [{ text }] } });
      const body = (await res.json()) as { result: { task: { id: string; status: { state: string } } } };
      assert.equal(body.result.task.status.state, 'TASK_STATE_AUTH_REQUIRED');
      parked.set(text, body.result.task.id);
    }
    assert.equal(await available(a.url, tenant), TOPPED_UP - 5 * PRICE, 'five estimates held');
    assert.equal(runs.size, 0, 'nothing ran');

    // B approves "held"; the agent starts it and waits: B is killed before the agent answers.
    void decide(b.url, parked.get('held')!, 'approve').catch(() => {});
    await until('the held payment to start at the agent', async () => heldStarted);
    const exited = once(replicas.b.child, 'exit');
    replicas.b.child.kill('SIGKILL');
    await exited;

    // None lost: A sees the four others pending, and "held" approved but not yet answered.
    const list = async (state: string) => ((await (await fetch(`${a.url}/v1/approvals?state=${state}&tenant=${tenant}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { approvals: Array<{ id: string }> }).approvals.map((x) => x.id).sort();
    assert.deepEqual(await list('pending'), ['p1', 'p2', 'p3', 'p4'].map((t) => parked.get(t)!).sort());
    assert.deepEqual(await list('forwarding'), [parked.get('held')!]);
    // A decision is made once, even across replicas: A cannot decide "held" again.
    assert.equal((await decide(a.url, parked.get('held')!, 'deny')).status, 409);

    // A approves two and denies two.
    for (const text of ['p1', 'p2']) assert.equal((await decide(a.url, parked.get(text)!, 'approve')).status, 200);
    for (const text of ['p3', 'p4']) assert.equal((await decide(a.url, parked.get(text)!, 'deny')).status, 200);

    // A's sweep sends the half-sent call again (its clock past the send deadline); the runtime finds its task: it does not run again.
    release();
    assert.equal(await a.gateway.approvals.resumeStranded(Date.now() + 3_600_000), 1);
    await until('the held payment to be approved', async () => (await list('approved')).includes(parked.get('held')!));
    await until('every approved call to be settled', async () => {
      await a.gateway.settleNow();
      return (await a.gateway.ledger.holds(tenant)).length === 0;
    }, 30_000);

    assert.deepEqual(Object.fromEntries(runs), { held: 1, p1: 1, p2: 1 }, 'each approved call ran exactly once; denied ones never');
    assert.equal(await balanceTotal(a.url, tenant), TOPPED_UP - 3 * PRICE, 'three approved calls charged once each');
    assert.equal(await available(a.url, tenant), TOPPED_UP - 3 * PRICE, 'nothing held');
  });
});
