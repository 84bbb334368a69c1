/**
 * An approval asked for two calls down reaches the top caller
 * (docs/approvals.md, "Workflows and routed calls"; ADR 0037): a caller
 * sends a message to the orchestrator, whose router hands it to a
 * specialist through a real gateway; the gateway parks that call in the
 * caller's name. The caller's task on the orchestrator stays WORKING and
 * says the specialist waits for approval and why (it is not asked a
 * question: nothing it answers could move the call); approved, the
 * specialist runs once and the caller's task completes; denied, it fails
 * with the approver's reason and the specialist never runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, callAgent, fetchToken } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { startHrApprovalMesh } from './hr-approval-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const REASON = 'HR decisions need HR';
const ran: string[] = [];

describe('a routed call parked for approval, seen by the top caller', () => {
  const setup = startedForSuite(() => startHrApprovalMesh({ reason: REASON, onDecision: (decision) => ran.push(decision), sweepIntervalMs: 600_000 }));

  const rpc = async (method: string, params: unknown) => ((await (await callAgent(setup().mesh.gw.url, 'orchestrator', await fetchToken(setup().mesh.gw.url, setup().user), method, params)).json()) as any);
  const pending = async () => ((await (await fetch(`${setup().mesh.gw.url}/v1/approvals?state=pending`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any).approvals as any[];
  const decide = (id: string, decision: 'approve' | 'deny', reason: string) =>
    fetch(`${setup().mesh.gw.url}/v1/approvals/${id}/${decision}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason }) });

  /** Sends a decision to the orchestrator for the router to hand to hr; returns the caller's task id once the call is parked and the task says so. */
  async function routeAndPark(decision: string): Promise<{ taskId: string; approval: any }> {
    const sent = await rpc('SendMessage', { message: { messageId: `route-${decision}-${Date.now()}`, role: 'ROLE_USER', parts: [{ data: { decision } }], metadata: { 'agentmesh.route': { agent: 'hr', skill: 'decide' } } }, configuration: { returnImmediately: true } });
    const taskId = (sent.result.task ?? sent.result).id as string;
    await until('the routed call to be parked', async () => (await pending()).length === 1);
    const [approval] = await pending();
    assert.equal(approval.tenant, 'acme', 'parked in the top caller\'s tenant');
    assert.equal(approval.chain[0], setup().user.clientId, 'the approver sees the top caller first');
    await until('the caller\'s task to say hr waits for approval', async () => JSON.stringify((await rpc('GetTask', { id: taskId })).result.status).includes(`hr waits for approval: ${REASON}`));
    const waiting = (await rpc('GetTask', { id: taskId })).result;
    assert.equal(waiting.status.state, 'TASK_STATE_WORKING', 'waiting on an approver, not asking the caller');
    assert.match(JSON.stringify(waiting.status.message), new RegExp(approval.id), 'the status names the approval it waits for');
    return { taskId, approval };
  }

  test('the caller\'s task waits WORKING with the reason, and completes once approved', async () => {
    const { taskId, approval } = await routeAndPark('promote');
    assert.deepEqual(ran, []);
    assert.equal((await decide(approval.id, 'approve', 'well earned')).status, 200);
    await until('the caller\'s task to complete', async () => (await rpc('GetTask', { id: taskId })).result.status.state === 'TASK_STATE_COMPLETED');
    assert.deepEqual(ran, ['promote'], 'the specialist ran once');
  });

  test('denied, the caller\'s task fails with the approver\'s reason and the specialist never runs', async () => {
    const { taskId, approval } = await routeAndPark('dismiss');
    assert.equal((await decide(approval.id, 'deny', 'not this quarter')).status, 200);
    await until('the caller\'s task to fail', async () => (await rpc('GetTask', { id: taskId })).result.status.state === 'TASK_STATE_FAILED');
    assert.match(JSON.stringify((await rpc('GetTask', { id: taskId })).result.status), /not this quarter/);
    assert.deepEqual(ran, ['promote'], 'the denied call never ran');
  });
});
