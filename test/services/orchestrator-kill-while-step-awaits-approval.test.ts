/**
 * A workflow step parked for approval outlives its orchestrator (docs/approvals.md,
 * "Workflows"; ADR 0037), on the fleet path (PostgreSQL + Redis): the
 * orchestrator, a process of its own behind a real gateway, is killed with
 * SIGKILL while its run's step awaits approval; the next process resumes
 * the run and follows the same gated task (it parks nothing again). Approved
 * after the restart, the call reaches the agent once, is charged once, has
 * one approval decision in the audit trail, and the run completes; denied
 * after the restart, the step ends REJECTED (the run fails with the
 * approver's reason), the agent never runs and the hold is released.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, available, balanceTotal, callAgent, createClient, fetchToken, startGateway, topUp } from '../helpers/gateway-fixture.js';
import { waitForOutput } from '../helpers/child-output.js';
import { outputsOf, runMessage } from '../helpers/orchestrator-fixture.js';
import { startRegistry } from '../helpers/registry-fixture.js';
import { startRuntime } from '../helpers/runtime-fixture.js';
import { createTestSchema, postgresSkipReason, randomSuffix, REDIS_URL, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const STORAGE_SECRET = 'storage-secret-of-the-approval-kill-test-0123';
const PRICE = 7_000;
const REASON = 'payments need finance';

/** Runs of the skill per payee: the proof that nothing ran twice. */
const runs = new Map<string, number>();
const payments = oneSkillAgent({ name: 'payments', description: 'Pays suppliers', creditsPerCall: PRICE / 1000 }, 'pay', {
  description: 'Pays a supplier',
  handler: async (input: { payee: string }) => {
    runs.set(input.payee, (runs.get(input.payee) ?? 0) + 1);
    return { paid: input.payee };
  },
});

const workflow = (payee: string) => `
name: pay-${payee}
steps:
  - { id: pay, call: { agent: payments, skill: pay }, input: { payee: ${payee} } }
outputs:
  paid: "{{ steps.pay.output.paid }}"
`;

describe('an orchestrator killed with SIGKILL while a step awaits approval', { skip }, () => {
  const tenant = `acme-${randomSuffix()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-approval-kill-'));
  let gatewaySchema: TestSchema;
  let orchestratorSchema: TestSchema;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let user: { clientId: string; clientSecret: string };
  let own: { clientId: string; clientSecret: string };
  let orch: { child: ChildProcess; url: string } | undefined;

  const startOrchestrator = async () => {
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'test/fixtures/gateway-orchestrator-process.ts'], {
      env: { ...process.env, ORCHESTRATOR_FIXTURE: JSON.stringify({ dataDir, gatewayUrl: gw.url, clientId: own.clientId, clientSecret: own.clientSecret, registryUrl: registry.url, storageSecret: STORAGE_SECRET, databaseUrl: orchestratorSchema.url, redisUrl: REDIS_URL }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    orch = { child, url: '' };
    const url = await waitForOutput(child, /listening on (http:\/\/\S+)/, 'the orchestrator process');
    // The gateway routes to this process only: the killed one's instance has left rotation.
    await until('the gateway to route to this orchestrator only', async () => {
      const instances = gw.gateway.router.agent('orchestrator')?.instances.filter((i) => i.inRotation) ?? [];
      return instances.length === 1 && instances[0]!.url.startsWith(url);
    }, 20_000);
    orch = { child, url };
  };
  const kill = async () => {
    const child = orch!.child;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };

  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${gw.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) }, ...(init.body !== undefined && { body: JSON.stringify(init.body) }) });
  const approvals = async (state: string) => ((await (await admin(`/v1/approvals?state=${state}&tenant=${tenant}`)).json()) as { approvals: Array<{ id: string; reason: string; agent: string }> }).approvals;
  const getRun = async (runId: string) => ((await (await callAgent(gw.url, 'orchestrator', await fetchToken(gw.url, user), 'GetTask', { id: runId, historyLength: 50 })).json()) as any).result;
  const ended = async (runId: string) => {
    let task: any;
    await until('the run to end', async () => {
      task = await getRun(runId);
      return ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED'].includes(task?.status?.state);
    }, 60_000);
    return task;
  };
  const auditRows = async (approval: string) => {
    await gw.gateway.audit.flush();
    return (await gw.gateway.audit.tail({ limit: 1000 })).filter((r) => (r.detail as Record<string, unknown> | undefined)?.['approval'] === approval);
  };

  /** Starts a run, waits until its step's call is parked and the run says so, then kills the orchestrator and starts another. */
  async function parkThenKill(payee: string): Promise<{ runId: string; approval: string }> {
    const started = await callAgent(gw.url, 'orchestrator', await fetchToken(gw.url, user), 'SendMessage', { message: runMessage(workflow(payee)), configuration: { returnImmediately: true } });
    const body = (await started.json()) as any;
    assert.equal(started.status, 200, JSON.stringify(body));
    const runId = (body.result.task ?? body.result).id as string;
    await until('the step\'s call to be parked', async () => (await approvals('pending')).length === 1);
    const [parked] = await approvals('pending');
    assert.equal(parked!.reason, REASON);
    await until('the run to say its step awaits approval', async () => JSON.stringify(await getRun(runId)).includes(`waits for approval: ${REASON}`));
    assert.equal((await getRun(runId)).status.state, 'TASK_STATE_WORKING');

    await kill();
    await startOrchestrator();
    return { runId, approval: parked!.id };
  }

  before(async () => {
    gatewaySchema = await createTestSchema();
    orchestratorSchema = await createTestSchema();
    registry = await startRegistry({ probeIntervalMs: 200 });
    gw = await startGateway(registry.url, { databaseUrl: gatewaySchema.url, redisUrl: REDIS_URL, creditsMode: 'exact', approvals: { rules: [{ id: 'payments', agent: 'payments', reason: REASON }], sweepIntervalMs: 600_000 } });
    host = await startRuntime([payments], { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
    await until('the gateway to route to payments', async () => gw.gateway.router.agent('payments')?.instances.some((i) => i.inRotation) ?? false);
    own = await createClient(gw.url, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] });
    user = await createClient(gw.url, { name: 'acme-app', tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] });
    await topUp(gw.url, tenant, 100);
    await startOrchestrator();
  });
  after(async () => {
    if (orch !== undefined && orch.child.exitCode === null && orch.child.signalCode === null) await kill();
    await host?.close();
    await gw?.close();
    await registry?.close();
    await gatewaySchema?.drop();
    await orchestratorSchema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('approved after the restart: the run completes, the call forwarded once, charged once, one decision audited', async () => {
    const total = await balanceTotal(gw.url, tenant);
    const { runId, approval } = await parkThenKill('acme-supplies');
    assert.equal(await available(gw.url, tenant), total - PRICE, 'the estimate is held across the crash');

    const approved = await admin(`/v1/approvals/${approval}/approve`, { method: 'POST', body: { reason: 'budget line 7' } });
    assert.equal(approved.status, 200, await approved.text());
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.equal(outputsOf(task).paid, 'acme-supplies');

    assert.deepEqual(Object.fromEntries(runs), { 'acme-supplies': 1 }, 'the call reached the agent once');
    assert.deepEqual((await approvals('pending')).map((a) => a.id), [], 'the restarted orchestrator parked nothing again');
    assert.deepEqual((await approvals('approved')).map((a) => a.id), [approval]);
    await until('the approved call to be settled', async () => {
      await gw.gateway.settleNow();
      return (await gw.gateway.ledger.holds(tenant)).length === 0;
    }, 30_000);
    assert.equal(await balanceTotal(gw.url, tenant), total - PRICE, 'charged once');
    assert.equal(await available(gw.url, tenant), total - PRICE, 'nothing left held');

    const rows = await auditRows(approval);
    assert.equal(rows.filter((r) => r.eventType === 'approval.approved').length, 1, 'one decision');
    assert.equal(rows.filter((r) => r.eventType === 'approval.requested').length, 1, 'parked once');
    assert.equal(rows.filter((r) => r.eventType === 'approval.forwarded').length, 1, 'forwarded once');
    assert.deepEqual(rows.find((r) => r.eventType === 'approval.approved')!.detail!['chain'], [user.clientId, own.clientId], 'asked in the top caller\'s name, through the orchestrator');
  });

  test('denied after the restart: the step ends REJECTED, the run fails with the reason, the hold is released', async () => {
    const total = await balanceTotal(gw.url, tenant);
    const free = await available(gw.url, tenant);
    const { runId, approval } = await parkThenKill('shady-supplies');
    assert.equal(await available(gw.url, tenant), free - PRICE);

    const denied = await admin(`/v1/approvals/${approval}/deny`, { method: 'POST', body: { reason: 'unknown supplier' } });
    assert.equal(denied.status, 200, await denied.text());
    const task = await ended(runId);
    assert.equal(task.status.state, 'TASK_STATE_FAILED', JSON.stringify(task.status));
    const text = JSON.stringify(task.status.message);
    assert.match(text, /rejected the task/);
    assert.match(text, /unknown supplier/);

    assert.equal(runs.get('shady-supplies'), undefined, 'the agent never ran it');
    assert.deepEqual((await approvals('pending')).map((a) => a.id), []);
    assert.deepEqual((await approvals('denied')).map((a) => a.id), [approval]);
    assert.equal(await available(gw.url, tenant), free, 'the hold is released');
    assert.equal(await balanceTotal(gw.url, tenant), total, 'nothing charged');
    const rows = await auditRows(approval);
    assert.equal(rows.filter((r) => r.eventType === 'approval.denied').length, 1, 'one decision');
    assert.equal(rows.filter((r) => r.eventType === 'approval.requested').length, 1, 'parked once');
  });
});
