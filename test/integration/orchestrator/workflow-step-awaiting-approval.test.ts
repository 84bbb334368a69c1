/**
 * A workflow step whose call an approval rule parks (docs/approvals.md,
 * ADR 0037), through a real gateway: the approval is asked in the top
 * caller's name (its tenant, the chain caller → orchestrator), the run shows
 * the step awaiting approval (not a question for the user), and once an
 * approver approves, the step's call runs and the run completes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, fetchToken } from '../../helpers/gateway-fixture.js';
import { runMessage } from '../../helpers/orchestrator-fixture.js';
import { until } from '../../helpers/until.js';
import { startHrApprovalMesh } from './hr-approval-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

let ran = 0;

describe('a workflow step waiting for approval', () => {
  const setup = startedForSuite(() => startHrApprovalMesh({ reason: 'HR decisions need HR', onDecision: () => ran++ }));

  test('is asked in the top caller\'s name, shows as awaiting approval, and completes once approved', async () => {
    const token = await fetchToken(setup().mesh.gw.url, setup().user);
    const rpc = async (method: string, params: unknown) => {
      const res = await fetch(`${setup().mesh.gw.url}/agents/orchestrator`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      return (await res.json()) as any;
    };
    const started = await rpc('SendMessage', { message: runMessage('name: promote\nsteps:\n  - { id: decide, call: { agent: hr, skill: decide }, input: { decision: promote } }\n'), configuration: { returnImmediately: true } });
    const runId = started.result.task.id as string;

    const pending = async () => ((await (await fetch(`${setup().mesh.gw.url}/v1/approvals?state=pending`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any).approvals as any[];
    await until('the step\'s call to be parked', async () => (await pending()).length === 1);
    const [approval] = await pending();
    const clients = (await (await fetch(`${setup().mesh.gw.url}/v1/clients?tenant=platform`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    const orchestratorClient = clients.clients.find((c: any) => c.name === 'orchestrator').client_id;
    assert.equal(approval.tenant, 'acme', 'parked in the top caller\'s tenant');
    assert.equal(approval.caller, setup().user.clientId);
    assert.deepEqual(approval.chain, [setup().user.clientId, orchestratorClient], 'the approver sees who asked, and through whom');
    assert.equal(ran, 0);

    // The run waits: the step is awaiting approval, and the run's task is still working (no question for the user).
    await until('the run to say the step awaits approval', async () => JSON.stringify((await rpc('GetTask', { id: runId, historyLength: 50 })).result).includes('waits for approval: HR decisions need HR'));
    const waiting = (await rpc('GetTask', { id: runId })).result;
    assert.equal(waiting.status.state, 'TASK_STATE_WORKING');

    const approved = await fetch(`${setup().mesh.gw.url}/v1/approvals/${approval.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(approved.status, 200);
    await until('the run to complete', async () => (await rpc('GetTask', { id: runId })).result.status.state === 'TASK_STATE_COMPLETED');
    const done = (await rpc('GetTask', { id: runId })).result;
    assert.equal(JSON.stringify(done.artifacts).includes('"status":"completed"'), true, JSON.stringify(done.artifacts));
    assert.equal(ran, 1, 'the approved call ran once');
  });

  test('fails its step, not retried, when the approval is denied', async () => {
    const token = await fetchToken(setup().mesh.gw.url, setup().user);
    const rpc = async (method: string, params: unknown) => {
      const res = await fetch(`${setup().mesh.gw.url}/agents/orchestrator`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      return (await res.json()) as any;
    };
    const before = ran;
    const started = await rpc('SendMessage', { message: runMessage('name: dismiss\nsteps:\n  - { id: decide, call: { agent: hr, skill: decide }, input: { decision: dismiss } }\n'), configuration: { returnImmediately: true } });
    const runId = started.result.task.id as string;
    const pending = async () => ((await (await fetch(`${setup().mesh.gw.url}/v1/approvals?state=pending`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any).approvals as any[];
    await until('the step\'s call to be parked', async () => (await pending()).length === 1);
    const [approval] = await pending();
    const denied = await fetch(`${setup().mesh.gw.url}/v1/approvals/${approval.id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'not this quarter' }) });
    assert.equal(denied.status, 200);
    await until('the run to fail', async () => (await rpc('GetTask', { id: runId })).result.status.state === 'TASK_STATE_FAILED');
    const failed = (await rpc('GetTask', { id: runId, historyLength: 50 })).result;
    assert.match(JSON.stringify(failed), /not this quarter/);
    assert.equal(ran, before, 'the denied call never ran');
    assert.deepEqual(await pending(), []);
  });
});
