/**
 * A skill's message answer through the gateway (ADR 0034): the official SDK
 * client, on both HTTP bindings and both protocol versions, gets the
 * Message; the call is priced, charged once at the usage the message
 * reports, audited once, and leaves no hold. A rejected task is refunded.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { balanceTotal } from '../../helpers/gateway-fixture.js';
import { startGatewayMeshFor } from '../../helpers/gateway-mesh.js';
import { asMessage, asTask, messageText, sendRequest } from '../../helpers/sdk-client.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { HTTP_COMBINATIONS } from '../../helpers/wire-combinations.js';

const REJECTED = 7;
const TENANT = 'replies';

/** `greet` costs 2 credits a call and reports 1.5; `decline` costs 1 and rejects its task. */
const greeter = defineAgent({
  card: { name: 'greeter', description: 'Greets with a message' },
  registry: { department: 'support', skills: { greet: { pricing: { creditsPerCall: 2 } }, decline: { pricing: { creditsPerCall: 1 } } } },
  defaultSkill: 'greet',
  skills: {
    greet: {
      description: 'Greets with a message, no task',
      messageReplies: true,
      handler: async (text: string, ctx) => {
        ctx.usage({ credits: 1.5, units: { greetings: 1 } });
        return ctx.reply(`Hello, ${text}`);
      },
    },
    decline: {
      description: 'Declines every request',
      handler: async (text: string, ctx) => {
        ctx.usage({ credits: 1 });
        ctx.reject(`No greetings for ${text}`);
      },
    },
  },
});


describe('message answers through the gateway: priced, charged once, audited once, nothing held', () => {
  let start: number;
  /** The message answers the SDK client got, each to be charged 1.5 credits once. */
  let answered = 0;

  // Exact holds: every call's reservation is a ledger row, so "nothing held" is read there directly.
  const mesh = startedForSuite(() => startGatewayMeshFor({ name: 'replies-app', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'], credits: 100 }, { agents: [greeter], gateway: { creditsMode: 'exact' } }));
  before(async () => {
    start = await balanceTotal(mesh().gw.url, TENANT);
  });

  for (const { protocol, binding } of HTTP_COMBINATIONS) {
    describe(`A2A ${protocol} over ${binding}`, () => {
      let client: Client;
      before(async () => {
        const connection = await connectAgent({ url: `${mesh().gw.url}/agents/greeter`, protocol, binding, token: mesh().token });
        assert.equal(connection.protocol, protocol);
        assert.equal(connection.binding, binding);
        client = connection.client;
      });

      test('SendMessage gets the Message, with the usage it reports', async () => {
        const message = asMessage(await client.sendMessage(sendRequest('Ada')));
        answered++;
        assert.equal(messageText(message), 'Hello, Ada');
        assert.deepEqual(message.metadata?.['agentmesh.usage'], { credits: 1.5, units: { greetings: 1 } });
      });

      test('SendStreamingMessage gets that one Message', async () => {
        const events: StreamResponse[] = [];
        for await (const e of client.sendMessageStream(sendRequest('Grace'))) events.push(e);
        answered++;
        assert.deepEqual(events.map((e) => e.payload?.$case), ['message']);
      });
    });
  }

  test('a retried send (same messageId) runs the skill again but is charged once', async () => {
    const { client } = await connectAgent({ url: `${mesh().gw.url}/agents/greeter`, protocol: '1.0', binding: 'jsonrpc', token: mesh().token });
    const request = SendMessageRequest.fromJSON({ message: { messageId: 'retried-greeting', role: 'ROLE_USER', parts: [{ text: 'Lin' }] } });
    const before = await balanceTotal(mesh().gw.url, TENANT);
    assert.equal(messageText(asMessage(await client.sendMessage(request))), 'Hello, Lin');
    assert.equal(messageText(asMessage(await client.sendMessage(request))), 'Hello, Lin');
    assert.equal(await balanceTotal(mesh().gw.url, TENANT), before - 1500);
    start -= 1500;
  });

  test('every message answer was charged 1.5 credits once, audited once as a message answer, and left no hold', async () => {
    assert.equal(answered, HTTP_COMBINATIONS.length * 2);
    assert.equal(await balanceTotal(mesh().gw.url, TENANT), start - answered * 1500);
    assert.deepEqual(await mesh().gw.gateway.ledger.holds(TENANT), []);
    await mesh().gw.gateway.audit.flush();
    const calls = (await mesh().gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'a2a.call' && r.tenant === TENANT && r.targetAgent === 'greeter' && r.method !== 'GetAgentCard');
    const sends = calls.filter((r) => r.method === 'SendMessage' || r.method === 'SendStreamingMessage');
    assert.equal(sends.length, answered + 2, 'one entry per call (the retried send is a call of its own)');
    for (const row of sends) {
      assert.equal(row.outcome, 'ok');
      assert.equal(row.milliCredits, 1500);
      assert.equal(row.taskId ?? undefined, undefined, 'no task');
      assert.equal((row.detail as Record<string, unknown>)['answer'], 'message');
      assert.equal((row.detail as Record<string, unknown>)['settled'], true);
    }
    assert.equal((await mesh().gw.gateway.audit.verify()).ok, true);
  });

  test('a rejected task is refunded: the usage it reported is not charged', async () => {
    const { client } = await connectAgent({ url: `${mesh().gw.url}/agents/greeter`, protocol: '1.0', binding: 'jsonrpc', token: mesh().token });
    const before = await balanceTotal(mesh().gw.url, TENANT);
    const task = asTask(await client.sendMessage(sendRequest('Bob', { skillId: 'decline' })));
    assert.equal(task.status?.state, REJECTED);
    assert.equal(await balanceTotal(mesh().gw.url, TENANT), before);
    assert.deepEqual(await mesh().gw.gateway.ledger.holds(TENANT), []);
  });
});
