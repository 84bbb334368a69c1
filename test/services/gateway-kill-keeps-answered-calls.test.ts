/**
 * What a gateway answered is on disk before the caller reads it: a replica
 * killed with SIGKILL under load loses neither the settled charge nor the
 * audit row of any call whose answer reached its caller (ADR 0035). Settlements
 * and audit entries are still written in groups (one transaction per turn of
 * the event loop, not one per call), but the answer of a priced call is held
 * until its group has committed.
 *
 * Replica B (called, then killed) is a real `agentmesh serve gateway` child on
 * PostgreSQL + Redis; replica A, in this process, sets up the deployment and
 * reads the ledger and the audit trail afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { defineAgent } from '../../src/runtime/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { callAgent, createClient, fetchToken, topUp } from '../helpers/gateway-fixture.js';
import { taskChargeKey } from '../../src/gateway/settle-or-track.js';
import { startGatewayAndChildReplica } from '../helpers/gateway-replicas.js';
import { startRuntime } from '../helpers/runtime-fixture.js';
import { REDIS_URL, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const SECRET = 'kill-keeps-answered-calls-secret-0123456789';
const PRICE = 2_000;
const USED = 1_500;

const meter = defineAgent({
  card: { name: 'meter', description: 'Does a little work and reports its usage' },
  registry: { skills: { tick: { pricing: { creditsPerCall: PRICE / 1000 } } } },
  skills: {
    tick: {
      description: 'One tick of work',
      handler: async (text: string, ctx) => {
        ctx.usage({ credits: USED / 1000 });
        return `tick ${text}`;
      },
    },
  },
});

describe('a gateway killed with SIGKILL under load keeps every answered call', { skip }, () => {
  let replicas: Awaited<ReturnType<typeof startGatewayAndChildReplica>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let token: string;
  let database: Database;
  const tenant = `kill-${randomSuffix()}`;

  before(async () => {
    replicas = await startGatewayAndChildReplica({ redisUrl: REDIS_URL, secret: SECRET });
    host = await startRuntime([meter], { registryUrl: replicas.registry.url, gatewayJwksUrl: replicas.jwksUrl, requireGatewayAssertion: true });
    token = await fetchToken(replicas.a.url, await createClient(replicas.a.url, { name: 'caller', tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(replicas.a.url, tenant, 1_000);
    database = await createDatabase({ url: replicas.schema.url, migrate: false });
    await until('B to route to the meter', async () => (await fetch(`${replicas.b.url}/agents/meter/.well-known/agent-card.json`)).status === 200, 15_000);
  });
  after(async () => {
    await host?.close();
    await database?.close();
    await replicas?.close();
  });

  test('every call answered before the kill has its settled charge and its audit row', async () => {
    const b = replicas.b;
    /** Answered calls: the reservation key the gateway settled and the task its audit row names. */
    const answered: { key: string; taskId: string }[] = [];
    let stop = false;
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const messageId = randomUUID();
        let body: any;
        try {
          const res = await callAgent(b.url, 'meter', token, 'SendMessage', { message: { messageId, role: 'ROLE_USER', parts: [{ text: 'x' }] } });
          body = await res.json();
        } catch {
          // The replica died under this call: its answer never arrived, nothing is owed to it.
          return;
        }
        const task = body?.result?.task;
        assert.equal(task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body).slice(0, 300));
        // Its charge ends under its task's key (ADR 0046).
        answered.push({ key: taskChargeKey('meter', tenant, task.id), taskId: task.id });
      }
    });
    // Killed in the middle of steady load, well inside the write-behind windows of settlements and audit entries.
    await until('the load to be under way', async () => answered.length >= 60, 30_000);
    const exited = once(b.child, 'exit');
    b.child.kill('SIGKILL');
    await exited;
    stop = true;
    await Promise.all(load);

    const keys = answered.map((a) => a.key);
    const settled = await database.db.selectFrom('credit_reservations').select(['key', 'status', 'charged']).where('key', 'in', keys).execute();
    const settledKeys = new Set(settled.filter((r) => r.status === 'settled' && Number(r.charged) === USED).map((r) => r.key));
    const unsettled = keys.filter((k) => !settledKeys.has(k));
    assert.deepEqual(unsettled, [], `${unsettled.length} of ${keys.length} answered calls lost their settled charge`);

    const taskIds = answered.map((a) => a.taskId);
    const audited = await database.db.selectFrom('audit_log').select(['task_id']).where('event_type', '=', 'a2a.call').where('task_id', 'in', taskIds).execute();
    const auditedIds = new Set(audited.map((r) => r.task_id));
    const unaudited = taskIds.filter((id) => !auditedIds.has(id));
    assert.deepEqual(unaudited, [], `${unaudited.length} of ${taskIds.length} answered calls lost their audit row`);

    await replicas.a.gateway.audit.flush();
    const verdict = await replicas.a.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
  });
});
