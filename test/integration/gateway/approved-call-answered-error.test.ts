/**
 * An approved call the agent answers with an error is a failed call however the error came: a JSON-RPC
 * error answered with HTTP 200 (A2A §9.5), on a blocking send and on a streaming one, is read as the
 * proxy reads a forwarded call's answer. Its `approval.forwarded` row is `error` with the error's code,
 * its hold is released and nothing is charged. Real registry, gateway and runtime; the SDK's client.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, TaskState, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { ADMIN_TOKEN, available, balanceTotal, createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { holdUntilCanceled } from '../../helpers/runtime-fixture.js';
import { asTask } from '../../helpers/sdk-client.js';

const TENANT = 'approvedfail';

/** One task at a time, none queued: while `hold` runs, every other send is refused (TASK_QUEUE_FULL). */
const vault = defineAgent({
  card: { name: 'vault', description: 'Opens the vault, one at a time' },
  registry: { skills: { open: { pricing: { creditsPerCall: 3 } } } },
  maxConcurrentTasks: 1,
  skills: {
    hold: holdUntilCanceled({ description: 'Holds the one slot', progress: 'holding' }),
    open: { description: 'Opens it', handler: async () => 'opened' },
  },
});

let sequence = 0;
function request(skillId: string, options: { returnImmediately?: boolean } = {}): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: `vault-${Date.now()}-${sequence++}`, role: 'ROLE_USER', parts: [{ text: skillId }], metadata: { skillId } },
    ...(options.returnImmediately === true && { configuration: { returnImmediately: true } }),
  });
}

describe('an approved call the agent answers with an error', () => {
  let client: Client;
  let approver: string;
  const mesh = startedForSuite(() =>
    startGatewayMeshFor(
      { name: 'opener', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read'], credits: 100 },
      {
        agents: [vault],
        runtime: { queueLimit: 0 },
        gateway: { creditsMode: 'exact', approvals: { rules: [{ id: 'vault-open', agent: 'vault', skill: 'open', reason: 'Opening needs a second key' }], sweepIntervalMs: 600_000 } },
      },
    ),
  );
  before(async () => {
    const url = mesh().gw.url;
    approver = await fetchToken(url, await createClient(url, { name: 'second-key', tenant: TENANT, scopes: ['gateway:approve'] }));
    client = (await connectAgent({ url: `${url}/agents/vault`, protocol: '1.0', binding: 'jsonrpc', token: mesh().token })).client;
    // The one slot taken for the whole file.
    const held = asTask(await client.sendMessage(request('hold', { returnImmediately: true })));
    assert.equal(held.status?.state, TaskState.TASK_STATE_WORKING);
  });

  async function approve(id: string): Promise<{ taskId?: string; outcome?: { status?: number; error?: string } }> {
    const res = await fetch(`${mesh().gw.url}/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${approver}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
    return (await (await fetch(`${mesh().gw.url}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as never;
  }

  async function forwardedRow(id: string): Promise<{ outcome: string; errorCode: string | null | undefined }> {
    await mesh().gw.gateway.audit.flush();
    const rows = (await mesh().gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'approval.forwarded' && (r.detail as Record<string, unknown> | null)?.['approval'] === id);
    assert.equal(rows.length, 1);
    return { outcome: rows[0]!.outcome, errorCode: rows[0]!.errorCode };
  }

  for (const streaming of [false, true]) {
    test(`${streaming ? 'SendStreamingMessage' : 'SendMessage'}: a JSON-RPC error (HTTP 200) is audited as an error with its code, and charged nothing`, async () => {
      const total = await balanceTotal(mesh().gw.url, TENANT);
      const free = await available(mesh().gw.url, TENANT);
      let parked: Task;
      if (streaming) {
        const events: unknown[] = [];
        for await (const e of client.sendMessageStream(request('open'))) events.push(e);
        const first = events[0] as { payload?: { $case?: string; value?: Task } };
        assert.equal(first.payload?.$case, 'task');
        parked = first.payload.value!;
      } else {
        parked = asTask(await client.sendMessage(request('open')));
      }
      assert.equal(parked.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
      assert.equal(await available(mesh().gw.url, TENANT), free - 3000, 'the estimate is held');
      const decided = await approve(parked.id);
      assert.equal(decided.taskId ?? undefined, undefined, 'the agent made no task');
      assert.match(String(decided.outcome?.error), /AM_ERR_TASK_QUEUE_FULL/);
      assert.deepEqual(await forwardedRow(parked.id), { outcome: 'error', errorCode: 'AM_ERR_TASK_QUEUE_FULL' });
      assert.equal(await balanceTotal(mesh().gw.url, TENANT), total, 'nothing charged');
      assert.equal(await available(mesh().gw.url, TENANT), free, 'the hold is released');
    });
  }
});
