/**
 * The orchestrator takes a specialist's message answer (ADR 0034) as a
 * completed call: a workflow step's output and the router's answer are the
 * message's data part, else its text. Driven through the gateway with the
 * official SDK client, as a tenant's app would; the specialist's calls are
 * charged once to that tenant, audited as message answers, and leave no
 * hold. A specialist that rejects its task fails the step at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageRequest, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { CallLog, runMessage } from '../../helpers/orchestrator-fixture.js';
import { asTask, textOf } from '../../helpers/sdk-client.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const COMPLETED = 3;
const FAILED = 4;
const TENANT = 'orch-replies';
const log = new CallLog();
/** The contextId of each greeting, in order. */
const contexts: string[] = [];

/** `greet` answers with a text message, `quote` with a data message (each 1 credit, reporting 0.5); `decline` rejects. */
const concierge = defineAgent({
  card: { name: 'concierge', description: 'Answers front-desk questions directly' },
  registry: { department: 'support', skills: { greet: { pricing: { creditsPerCall: 1 } }, quote: { pricing: { creditsPerCall: 1 } } } },
  defaultSkill: 'greet',
  skills: {
    greet: {
      description: 'Greets a guest by name',
      tags: ['greeting'],
      messageReplies: true,
      handler: async (text: string, ctx) => {
        log.add('concierge', `greet:${ctx.tenant}`);
        contexts.push(ctx.contextId);
        ctx.usage({ credits: 0.5 });
        return ctx.reply(`Welcome, ${text}`);
      },
    },
    quote: {
      description: 'Quotes a room rate',
      messageReplies: true,
      input: { type: 'object', required: ['nights'], properties: { nights: { type: 'integer' } } },
      handler: async (input: { nights: number }, ctx) => {
        log.add('concierge', `quote:${ctx.tenant}`);
        ctx.usage({ credits: 0.5 });
        return ctx.reply([{ text: 'rate' }, { data: { total: input.nights * 120 } }]);
      },
    },
    decline: {
      description: 'Declines every booking',
      handler: async (_text: string, ctx) => {
        log.add('concierge', 'decline');
        ctx.reject('We are fully booked');
      },
    },
  },
});

describe('the orchestrator takes message answers as step results', () => {
  let mesh: GatewayMesh;
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let client: Client;

  before(async () => {
    mesh = await startGatewayMesh({ agents: [concierge], gateway: { creditsMode: 'exact' } });
    orch = await startMeshOrchestrator(mesh);
    const token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'front-desk', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'] }));
    await topUp(mesh.gw.url, TENANT, 50);
    ({ client } = await connectAgent({ url: `${mesh.gw.url}/agents/orchestrator`, protocol: '1.0', binding: 'jsonrpc', token }));
  });
  after(() => closeInTurn(orch, mesh));

  /** The `outputs` artifact's data of a workflow task, as the SDK decodes it. */
  const outputsOf = (task: Task): unknown => {
    const part = task.artifacts.find((a) => a.name === 'outputs')?.parts[0];
    return part?.content?.$case === 'data' ? part.content.value : undefined;
  };

  const run = async (yaml: string): Promise<Task> => asTask(await client.sendMessage(SendMessageRequest.fromJSON({ message: runMessage(yaml) })));

  it('a workflow step answered with a message outputs its text, or its data part; each call is charged once and leaves no hold', async () => {
    const before = await balanceTotal(mesh.gw.url, TENANT);
    const task = await run(`
name: check-in
steps:
  - { id: hello, call: { agent: concierge, skill: greet }, input: Ada }
  - { id: price, call: { agent: concierge, skill: quote }, input: { nights: 3 } }
outputs:
  greeting: "{{ steps.hello.output }}"
  total: "{{ steps.price.output.total }}"
`);
    assert.equal(task.status?.state, COMPLETED, JSON.stringify(task.status));
    assert.deepEqual(outputsOf(task), { greeting: 'Welcome, Ada', total: 360 });
    assert.equal(log.count('concierge', `greet:${TENANT}`), 1, "the specialist ran once, for the caller's tenant");
    assert.equal(log.count('concierge', `quote:${TENANT}`), 1);
    assert.equal(await balanceTotal(mesh.gw.url, TENANT), before - 1000, 'two calls, 0.5 credits each, once');
    assert.deepEqual(await mesh.gw.gateway.ledger.holds(TENANT), []);
    await mesh.gw.gateway.audit.flush();
    const childCalls = (await mesh.gw.gateway.audit.tail({ limit: 200 })).filter((r) => r.eventType === 'a2a.call' && r.targetAgent === 'concierge' && r.tenant === TENANT);
    assert.equal(childCalls.length, 2, 'one audit entry per call');
    assert.ok(childCalls.every((r) => (r.detail as Record<string, unknown>)['answer'] === 'message' && r.milliCredits === 500), JSON.stringify(childCalls.map((r) => r.detail)));
  });

  it("the router answers with the message a specialist replied with; a follow-up in the conversation reaches the specialist's context", async () => {
    const route = { 'agentmesh.route': { agent: 'concierge', skill: 'greet' } };
    const first = asTask(await client.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'Grace' }], metadata: route } })));
    assert.equal(first.status?.state, COMPLETED, JSON.stringify(first.status));
    assert.equal(textOf({ ...first, artifacts: first.artifacts.filter((a) => a.name === 'result') }), 'Welcome, Grace');
    const next = asTask(await client.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', contextId: first.contextId, parts: [{ text: 'Grace again' }] } })));
    assert.equal(textOf({ ...next, artifacts: next.artifacts.filter((a) => a.name === 'result') }), 'Welcome, Grace again');
    assert.equal(contexts.at(-1), contexts.at(-2), 'the same specialist context, taken from its message answer');
  });

  it('a step whose agent rejects its task fails at once, with the reason, whatever its retries', async () => {
    const calls = log.count('concierge', 'decline');
    const task = await run(`
name: book
steps:
  - { id: book, call: { agent: concierge, skill: decline }, input: two nights, retry: { attempts: 3, backoff: 10ms } }
`);
    assert.equal(task.status?.state, FAILED);
    const reason = task.status?.message?.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('') ?? '';
    assert.match(reason, /concierge rejected the task: We are fully booked/);
    assert.equal(log.count('concierge', 'decline'), calls + 1, 'not retried: the same request would be declined again');
  });
});
