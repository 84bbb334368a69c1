import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import * as genAi from '../../../src/observability/gen-ai.js';

describe('GenAI semantic conventions', () => {
  test('the names copied into agentmesh are the package\'s own (incubating entry point)', () => {
    for (const name of [
      'ATTR_GEN_AI_OPERATION_NAME',
      'ATTR_GEN_AI_PROVIDER_NAME',
      'ATTR_GEN_AI_AGENT_NAME',
      'ATTR_GEN_AI_AGENT_ID',
      'ATTR_GEN_AI_CONVERSATION_ID',
      'ATTR_GEN_AI_USAGE_INPUT_TOKENS',
      'ATTR_GEN_AI_USAGE_OUTPUT_TOKENS',
      'GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT',
    ] as const) {
      assert.equal(genAi[name], (incubating as Record<string, unknown>)[name], name);
    }
  });

  test('an invocation is named invoke_agent {agent} and starts with operation, provider, agent and conversation', () => {
    assert.equal(genAi.invokeAgentSpanName('lead-scorer'), 'invoke_agent lead-scorer');
    assert.deepEqual(genAi.invokeAgentAttributes({ name: 'lead-scorer', id: 'urn:air:acme:agent:lead-scorer', conversationId: 'ctx-1' }), {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'agentmesh',
      'gen_ai.agent.name': 'lead-scorer',
      'gen_ai.agent.id': 'urn:air:acme:agent:lead-scorer',
      'gen_ai.conversation.id': 'ctx-1',
    });
    assert.equal(genAi.invokeAgentAttributes({ name: 'a', id: 'a', conversationId: '' })['gen_ai.conversation.id'], undefined);
  });

  test('token usage comes from the usage units an agent reports; anything but a count is left out', () => {
    assert.deepEqual(genAi.tokenUsageAttributes({ credits: 1, units: { input_tokens: 10, output_tokens: 3, leads: 5 } }), { 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 3 });
    assert.deepEqual(genAi.tokenUsageAttributes({ credits: 1, units: { input_tokens: 10 } }), { 'gen_ai.usage.input_tokens': 10 });
    for (const usage of [undefined, null, 'x', { credits: 1 }, { units: [] }, { units: { input_tokens: -1, output_tokens: 1.5 } }, { units: { input_tokens: '10' } }, { units: JSON.parse('{"__proto__": {"input_tokens": 4}}') }]) {
      assert.equal(genAi.tokenUsageAttributes(usage), undefined, JSON.stringify(usage));
    }
  });
});
