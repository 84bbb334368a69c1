/**
 * An A2A error is a failed call in the audit trail whatever the binding:
 * JSON-RPC answers it with HTTP 200 and the error in the body (A2A §9.5),
 * HTTP+JSON with a 4xx status (A2A §11.6). Either way, through the gateway,
 * the call's row is `error` with the error's code, the calls metric counts it
 * as an error, and a priced send answered with an error is not charged: its
 * hold is released.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SendMessageRequest } from '@a2a-js/sdk';
import { connectAgent, type Binding } from '../../../src/cli/index.js';
import type { AuditRow } from '../../../src/audit/index.js';
import type { ProtocolVersion } from '../../../src/protocol/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { balanceTotal, callAgent } from '../../helpers/gateway-fixture.js';
import { callRows, startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { testAgent } from '../../helpers/runtime-fixture.js';
import { asTask, sendRequest } from '../../helpers/sdk-client.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const TENANT = 'errant';
const TASK_NOT_FOUND = 'AM_ERR_TASK_NOT_FOUND';
const PUSH_NOT_SUPPORTED = 'AM_ERR_PUSH_NOT_SUPPORTED';

/** Priced, and without push notifications: a send that asks for them is answered with an A2A error (A2A §3.1.1). */
const worker = defineAgent({
  card: { name: 'worker', description: 'Does one priced piece of work per task', capabilities: { pushNotifications: false, extensions: [] } },
  registry: { skills: { work: { pricing: { creditsPerCall: 2 } } } },
  defaultSkill: 'work',
  skills: { work: { description: 'Echoes its text', handler: async (text: string) => `done ${text}` } },
});

const COMBINATIONS: Array<{ protocol: ProtocolVersion; binding: Binding }> = [
  { protocol: '1.0', binding: 'jsonrpc' },
  { protocol: '0.3', binding: 'jsonrpc' },
  { protocol: '1.0', binding: 'rest' },
];

describe('an A2A error answered over JSON-RPC is audited as over HTTP+JSON', () => {
  const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'errant-app', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'], credits: 100 }, { agents: [testAgent, worker], gateway: { creditsMode: 'exact' } }));

  const rows = (agent: string, method: string): Promise<AuditRow[]> => callRows(mesh(), TENANT, agent, method);

  for (const { protocol, binding } of COMBINATIONS) {
    test(`A2A ${protocol} over ${binding}: GetTask of an unknown task is an error row with the task-not-found code; a successful call stays ok`, async () => {
      const { client } = await connectAgent({ url: `${mesh().gw.url}/agents/tester`, protocol, binding, token: mesh().token });
      const task = asTask(await client.sendMessage(sendRequest('hello')));
      const read = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
      assert.equal(read.id, task.id);
      await assert.rejects(client.getTask({ tenant: '', id: randomUUID(), historyLength: undefined }), /not found/i);
      const [unknown, known] = await rows('tester', 'GetTask');
      assert.deepEqual({ outcome: unknown?.outcome, errorCode: unknown?.errorCode }, { outcome: 'error', errorCode: TASK_NOT_FOUND });
      assert.deepEqual({ outcome: known?.outcome, errorCode: known?.errorCode }, { outcome: 'ok', errorCode: undefined });
      const [sent] = await rows('tester', 'SendMessage');
      assert.deepEqual({ outcome: sent?.outcome, errorCode: sent?.errorCode }, { outcome: 'ok', errorCode: undefined });
    });
  }

  test('a JSON-RPC error to a streaming send (answered before any event) is an error row with its code', async () => {
    const message = { messageId: randomUUID(), taskId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }] };
    const res = await callAgent(mesh().gw.url, 'tester', mesh().token, 'SendStreamingMessage', { message }, { headers: { accept: 'text/event-stream' } });
    const body = (await res.json()) as { error?: { code: number } };
    assert.equal(res.status, 200);
    assert.equal(body.error?.code, -32001);
    const [row] = await rows('tester', 'SendStreamingMessage');
    assert.deepEqual({ outcome: row?.outcome, errorCode: row?.errorCode }, { outcome: 'error', errorCode: TASK_NOT_FOUND });
  });

  test('a JSON-RPC error to a priced SendMessage is not charged: its hold is released, its row an error with the code', async () => {
    const { client } = await connectAgent({ url: `${mesh().gw.url}/agents/worker`, protocol: '1.0', binding: 'jsonrpc', token: mesh().token });
    await mesh().gw.gateway.credits.flush();
    const balance = await balanceTotal(mesh().gw.url, TENANT);
    const [usage] = await mesh().gw.gateway.ledger.usage({ tenant: TENANT, groupBy: [] });
    const request = SendMessageRequest.fromJSON({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'work' }] }, configuration: { taskPushNotificationConfig: { url: 'https://hooks.example.com/a2a' } } });
    await assert.rejects(client.sendMessage(request), /push notifications/i);
    await mesh().gw.gateway.credits.flush();
    assert.equal(await balanceTotal(mesh().gw.url, TENANT), balance, 'nothing charged');
    assert.deepEqual(await mesh().gw.gateway.ledger.holds(TENANT), [], 'no hold left');
    const [after] = await mesh().gw.gateway.ledger.usage({ tenant: TENANT, groupBy: [] });
    assert.equal(after?.milliCredits ?? 0, usage?.milliCredits ?? 0);
    const [row] = await rows('worker', 'SendMessage');
    assert.deepEqual(
      { outcome: row?.outcome, errorCode: row?.errorCode, milliCredits: row?.milliCredits, detail: row?.detail },
      { outcome: 'error', errorCode: PUSH_NOT_SUPPORTED, milliCredits: 0, detail: { reservedMilliCredits: 2000, settled: true } },
    );
    // And a priced send that succeeds is charged, its row ok.
    asTask(await client.sendMessage(sendRequest('work')));
    await mesh().gw.gateway.credits.flush();
    assert.equal(await balanceTotal(mesh().gw.url, TENANT), balance - 2000);
    const [ok] = await rows('worker', 'SendMessage');
    assert.deepEqual({ outcome: ok?.outcome, errorCode: ok?.errorCode, milliCredits: ok?.milliCredits }, { outcome: 'ok', errorCode: undefined, milliCredits: 2000 });
  });

  test('the calls metric counts the JSON-RPC errors as errors, and the chain verifies', async () => {
    const metrics = await (await fetch(mesh().gw.metricsUrl)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('agentmesh_gateway_calls_total{') && l.includes('agent="tester"') && l.includes('outcome="error"'));
    assert.ok(line !== undefined && Number(line.split(" ").at(-1)) >= 4, line);
    assert.equal((await mesh().gw.gateway.audit.verify()).ok, true);
  });
});
