import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { registryMetadataOf } from '../../../src/runtime/runtime-builders.js';

const input = { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } } } } as const;
const output = { type: 'object', properties: { count: { type: 'integer' } } } as const;

test("registered metadata carries each skill's schemas beside what the registry block says", () => {
  const agent = defineAgent({
    card: { name: 'scorer', description: 'scores', version: '1.0.0' },
    registry: { department: 'sales', skills: { score: { pricing: { creditsPerCall: 1 } } } },
    skills: {
      score: { description: 'scores', input, output, handler: () => ({ count: 0 }) },
      chat: { description: 'talks', handler: () => 'hi' },
    },
  });
  assert.deepEqual(registryMetadataOf(agent), { department: 'sales', skills: { score: { inputSchema: input, outputSchema: output, pricing: { creditsPerCall: 1 } } } });
});

test("a registry block's own schema wins, and an agent without a registry block sends no metadata", () => {
  const own = { type: 'object', properties: {} };
  const agent = defineAgent({
    card: { name: 'scorer', description: 'scores', version: '1.0.0' },
    registry: { skills: { score: { inputSchema: own } } },
    skills: { score: { description: 'scores', input, handler: () => 'ok' } },
  });
  assert.deepEqual((registryMetadataOf(agent) as any).skills.score.inputSchema, own);
  const bare = defineAgent({ card: { name: 'bare', description: 'b', version: '1' }, skills: { s: { description: 's', input, handler: () => 'ok' } } });
  assert.equal(registryMetadataOf(bare), undefined);
});
