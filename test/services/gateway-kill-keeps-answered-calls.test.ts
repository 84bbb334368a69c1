/**
 * What a gateway answered survives a SIGKILL: a gateway killed under load
 * loses neither the settled charge nor the audit row of any call whose
 * answer reached its caller (ADR 0035). Both reach the answer journal, one
 * write per turn of the event loop, before the answers of that turn are
 * released, and the database behind the answer; the killed gateway, started
 * again on its data directory, replays its journal before it serves
 * (ADR 0047). A replay is idempotent: settlements by call key, audit rows past
 * the journal's mark in the chain, so replaying the same journal twice
 * charges once and records one row per call, and the chain still verifies.
 *
 * PostgreSQL: replica B (called, killed, restarted) is a real `agentmesh serve
 * gateway` child on PostgreSQL + Redis; replica A, in this process, sets up
 * the deployment. SQLite: one child gateway on its data directory's file,
 * settlements held in memory 10 s so that the kill finds them unwritten.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createAuditLog } from '../../src/audit/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { taskChargeKey } from '../../src/gateway/settle-or-track.js';
import { startChildGateway } from '../helpers/child-gateway.js';
import { freePort } from '../helpers/free-port.js';
import { ADMIN_TOKEN, callAgent, createClient, fetchToken, topUp } from '../helpers/gateway-fixture.js';
import { startGatewayAndChildReplica } from '../helpers/gateway-replicas.js';
import { startRegistry } from '../helpers/registry-fixture.js';
import { startRuntime } from '../helpers/runtime-fixture.js';
import { REDIS_URL, postgresSkipReason, randomSuffix, redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { meterAgent, METER_USED } from '../helpers/meter-agent.js';
import { closeInTurn, directoryRemoval } from '../helpers/close-in-turn.js';

const skipPostgres = (await postgresSkipReason()) || (await redisSkipReason());
const SECRET = 'kill-keeps-answered-calls-secret-0123456789';

const meter = meterAgent({ progress: false });

/** An answered call: the reservation key the gateway settled and the task its audit row names. */
interface Answered {
  key: string;
  taskId: string;
}

/** Eight callers until `answers` calls are answered, then the gateway is killed with SIGKILL in the middle of the load. */
async function answerThenKill(url: string, token: string, tenant: string, child: ChildProcess, answers: number): Promise<Answered[]> {
  const answered: Answered[] = [];
  let stop = false;
  const load = Array.from({ length: 8 }, async () => {
    while (!stop) {
      const messageId = randomUUID();
      let body: any;
      try {
        const res = await callAgent(url, 'meter', token, 'SendMessage', { message: { messageId, role: 'ROLE_USER', parts: [{ text: 'x' }] } });
        body = await res.json();
      } catch {
        // The gateway died under this call: its answer never arrived, nothing is owed to it.
        return;
      }
      const task = body?.result?.task;
      assert.equal(task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body).slice(0, 300));
      // Its charge ends under its task's key (ADR 0046).
      answered.push({ key: taskChargeKey('meter', tenant, task.id), taskId: task.id });
    }
  });
  await until('the load to be under way', async () => answered.length >= answers);
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  stop = true;
  await Promise.all(load);
  return answered;
}

/** The answered calls whose settled charge is in the ledger. */
async function settledOf(database: Database, answered: readonly Answered[]): Promise<Set<string>> {
  const rows = await database.db.selectFrom('credit_reservations').select(['key', 'status', 'charged']).where('key', 'in', answered.map((a) => a.key)).execute();
  return new Set(rows.filter((r) => r.status === 'settled' && Number(r.charged) === METER_USED).map((r) => r.key));
}

/** Every answered call has its settled charge and exactly one audit row, and the chain verifies. */
async function assertKeptOnce(database: Database, answered: readonly Answered[], tenant: string): Promise<void> {
  const settled = await settledOf(database, answered);
  const unsettled = answered.filter((a) => !settled.has(a.key)).map((a) => a.key);
  assert.deepEqual(unsettled, [], `${unsettled.length} of ${answered.length} answered calls lost their settled charge`);
  // Charged once: the tenant's settled calls are at least the answered ones, each charged its usage once, and its balance says as much.
  const charged = await database.db.selectFrom('credit_reservations').select(['key', 'charged']).where('tenant', '=', tenant).where('status', '=', 'settled').execute();
  const balance = await database.db.selectFrom('credit_balances').select(['available', 'reserved']).where('tenant', '=', tenant).executeTakeFirstOrThrow();
  const totalCharged = charged.filter((r) => !r.key.startsWith('lease:')).reduce((sum, r) => sum + Number(r.charged), 0);
  assert.equal(Number(balance.available) + Number(balance.reserved), 1_000_000 - totalCharged, 'the balance is the top-up less each settled call once');

  const audited = await database.db.selectFrom('audit_log').select(['task_id']).where('event_type', '=', 'a2a.call').where('task_id', 'in', answered.map((a) => a.taskId)).execute();
  const rowsPerTask = new Map<string, number>();
  for (const r of audited) rowsPerTask.set(r.task_id!, (rowsPerTask.get(r.task_id!) ?? 0) + 1);
  const unaudited = answered.filter((a) => !rowsPerTask.has(a.taskId)).map((a) => a.taskId);
  assert.deepEqual(unaudited, [], `${unaudited.length} of ${answered.length} answered calls lost their audit row`);
  const doubled = [...rowsPerTask].filter(([, n]) => n > 1);
  assert.deepEqual(doubled, [], 'a call audited twice');

  const audit = createAuditLog({ database, logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  const verdict = await audit.verify();
  assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
}

describe('a gateway killed with SIGKILL under load keeps every answered call, on PostgreSQL', { skip: skipPostgres }, () => {
  let replicas: Awaited<ReturnType<typeof startGatewayAndChildReplica>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let token: string;
  let database: Database;
  let restarted: Awaited<ReturnType<typeof startChildGateway>> | undefined;
  const tenant = `kill-${randomSuffix()}`;

  before(async () => {
    replicas = await startGatewayAndChildReplica({ redisUrl: REDIS_URL, secret: SECRET });
    host = await startRuntime([meter], { registryUrl: replicas.registry.url, gatewayJwksUrl: replicas.jwksUrl, requireGatewayAssertion: true });
    token = await fetchToken(replicas.a.url, await createClient(replicas.a.url, { name: 'caller', tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(replicas.a.url, tenant, 1_000);
    database = await createDatabase({ url: replicas.schema.url, migrate: false });
    await until('B to route to the meter', async () => (await fetch(`${replicas.b.url}/agents/meter/.well-known/agent-card.json`)).status === 200);
  });
  after(() => closeInTurn(restarted, host, database, replicas));

  test('every call answered before the kill has its settled charge and one audit row once the gateway is back', async () => {
    const answered = await answerThenKill(replicas.b.url, token, tenant, replicas.b.child, 60);
    restarted = await replicas.restartB();
    await assertKeptOnce(database, answered, tenant);
  });
});

describe('a gateway killed with SIGKILL under load keeps every answered call, on SQLite, and replays its journal once', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let gateway: Awaited<ReturnType<typeof startChildGateway>> | undefined;
  let database: Database | undefined;
  let token: string;
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-kill-'));
  const kept = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-journal-copy-'));
  const slot = join(dataDir, 'gateway-journal', '0');
  const tenant = `kill-${randomSuffix()}`;
  let env: Record<string, string>;

  before(async () => {
    registry = await startRegistry({ probeIntervalMs: 200 });
    port = await freePort();
    env = {
      HOST: '127.0.0.1',
      GATEWAY_METRICS_PORT: '0',
      GATEWAY_SECRET: SECRET,
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      REGISTRY_URL: registry.url,
      LOG_LEVEL: 'warn',
      AGENTMESH_DEV: '1',
      AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
      // Settlements wait in memory far longer than the load runs: the kill finds them unwritten.
      GATEWAY_CREDITS_FLUSH_MS: '10000',
      DATABASE_URL: '',
    };
    gateway = await startChildGateway(env, port, dataDir);
    host = await startRuntime([meter], { registryUrl: registry.url, gatewayJwksUrl: `${gateway.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
    token = await fetchToken(gateway.url, await createClient(gateway.url, { name: 'caller', tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(gateway.url, tenant, 1_000);
    const url = gateway.url;
    await until('the gateway to route to the meter', async () => (await fetch(`${url}/agents/meter/.well-known/agent-card.json`)).status === 200);
  });
  after(() => closeInTurn(gateway, host, database, registry, directoryRemoval(dataDir), directoryRemoval(kept)));

  test('the settlements the kill left unwritten are charged at the restart, once, however often the journal is replayed', async () => {
    const answered = await answerThenKill(gateway!.url, token, tenant, gateway!.child, 40);
    gateway = undefined;
    database = await createDatabase({ sqlitePath: join(dataDir, 'mesh.db'), migrate: false });
    // Without the journal these would be lost: nothing wrote them before the kill.
    const settledBefore = await settledOf(database, answered);
    assert.ok(settledBefore.size < answered.length, `expected settlements still unwritten at the kill, found ${settledBefore.size} of ${answered.length} written`);
    const journals = readdirSync(slot).filter((f) => f.endsWith('.journal'));
    assert.ok(journals.length > 0, 'the killed gateway left its journal');
    for (const f of journals) copyFileSync(join(slot, f), join(kept, f));

    gateway = await startChildGateway(env, port, dataDir);
    await assertKeptOnce(database, answered, tenant);

    // The same journal once more, into the slot a clean stop emptied: a second replay writes nothing twice.
    await gateway.close();
    gateway = undefined;
    assert.deepEqual(readdirSync(slot).filter((f) => f.endsWith('.journal')), [], 'a clean stop leaves no journal');
    for (const f of journals) copyFileSync(join(kept, f), join(slot, f));
    gateway = await startChildGateway(env, port, dataDir);
    await assertKeptOnce(database, answered, tenant);
  });
});
