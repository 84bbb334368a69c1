/**
 * OpenTelemetry's GenAI conventions, opted into with
 * OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental (the roles'
 * `semconvStabilityOptIn`): a message sent to an agent through the gateway is
 * an `invoke_agent {agent}` CLIENT span at the gateway and an
 * `invoke_agent {agent}` INTERNAL span in the agent's runtime, each with the
 * gen_ai.* attributes and the token usage the agent reported. Spans go to a
 * real OTLP/HTTP receiver. Without the opt-in the names stay agentmesh's
 * (trace-tree.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SkillContext } from '../../../src/runtime/index.js';
import { callAgent, createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { KIND, startOtlpReceiver } from '../../helpers/otlp-receiver.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

const OPT_IN = ['gen_ai_latest_experimental'];

/** An agent that reports the tokens its (imagined) model used. */
const writer = oneSkillAgent({ name: 'copywriter', description: 'Writes copy' }, 'write', {
  description: 'Writes a tagline',
  handler: async (_input: unknown, ctx: SkillContext) => {
    ctx.usage({ credits: 0, units: { input_tokens: 812, output_tokens: 64 } });
    return 'Fast, calm, done.';
  },
});

describe('GenAI spans (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let mesh: GatewayMesh | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await mesh?.close();
  };

  before(async () => {
    receiver = await startOtlpReceiver();
    const otlpEndpoint = receiver.url;
    mesh = await startGatewayMesh({ agents: [writer], gateway: { otlpEndpoint, semconvStabilityOptIn: OPT_IN }, runtime: { otlpEndpoint, semconvStabilityOptIn: OPT_IN } });
  });
  after(async () => {
    await close();
    receiver?.server.close();
  });

  it('traces a message send as invoke_agent at the gateway (CLIENT) and in the agent (INTERNAL), with conversation and token usage', async () => {
    const gw = mesh!.gw;
    const token = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    const contextId = crypto.randomUUID();
    const res = await callAgent(gw.url, 'copywriter', token, 'SendMessage', { message: { messageId: crypto.randomUUID(), contextId, role: 'ROLE_USER', parts: [{ text: 'a tagline please' }] } });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
    const taskId = body.result.task.id;
    // A read of the task is not an invocation: it keeps its HTTP name.
    assert.equal((await callAgent(gw.url, 'copywriter', token, 'GetTask', { id: taskId })).status, 200);
    const identifier = gw.gateway.router.agent('copywriter')!.record.identifier;

    await close(); // flushes every role's batch to the receiver
    const spans = receiver.spans;
    const client = spans.filter((s) => s.service === 'agentmesh-gateway' && s.kind === KIND.CLIENT);
    const invoke = client.find((s) => s.name === 'invoke_agent copywriter');
    assert.ok(invoke, `the gateway's call is invoke_agent copywriter: ${JSON.stringify(client.map((s) => s.name))}`);
    assert.deepEqual(
      pick(invoke.attributes, ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.agent.name', 'gen_ai.agent.id', 'gen_ai.conversation.id', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'a2a.task.id']),
      {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'agentmesh',
        'gen_ai.agent.name': 'copywriter',
        'gen_ai.agent.id': identifier,
        'gen_ai.conversation.id': contextId,
        'gen_ai.usage.input_tokens': 812,
        'gen_ai.usage.output_tokens': 64,
        'a2a.task.id': taskId,
      },
    );
    assert.ok(client.some((s) => s.name.startsWith('GET ') || s.name.startsWith('POST /agents/')), 'the task read keeps its HTTP name');
    assert.ok(!client.some((s) => s.name !== 'invoke_agent copywriter' && s.attributes['gen_ai.operation.name'] !== undefined), 'only the message send is an invocation');

    const internal = spans.find((s) => s.service === 'agentmesh-runtime' && s.name === 'invoke_agent copywriter');
    assert.ok(internal, `the agent's own span is invoke_agent copywriter: ${JSON.stringify(spans.filter((s) => s.service === 'agentmesh-runtime').map((s) => s.name))}`);
    assert.equal(internal.kind, KIND.INTERNAL);
    assert.equal(internal.traceId, invoke.traceId, 'one trace');
    assert.deepEqual(pick(internal.attributes, ['gen_ai.operation.name', 'gen_ai.agent.name', 'gen_ai.agent.id', 'gen_ai.conversation.id', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'a2a.skill']), {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'copywriter',
      'gen_ai.agent.id': 'copywriter',
      'gen_ai.conversation.id': contextId,
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 64,
      'a2a.skill': 'write',
    });
    assert.ok(!spans.some((s) => s.name.startsWith('execute_skill ')), 'the old skill span name is not emitted alongside');
  });
});

function pick(attributes: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => attributes[k] !== undefined).map((k) => [k, attributes[k]]));
}
