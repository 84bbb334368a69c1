import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/contracts/agent/define-agent.js';
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

test('schemas that are no object, or too large to register, stay with the runtime: the registration never fails for them', () => {
  const huge = { type: 'object', description: 'x'.repeat(70 * 1024) };
  const agent = defineAgent({
    card: { name: 'big', description: 'b', version: '1' },
    registry: { department: 'ops' },
    skills: {
      big: { description: 'huge schema', input: huge, handler: () => 'ok' },
      yes: { description: 'boolean schema', input: true as never, handler: () => 'ok' },
      fine: { description: 'fits', input, handler: () => 'ok' },
    },
  });
  const skills = (registryMetadataOf(agent) as any).skills;
  assert.deepEqual(Object.keys(skills), ['fine']);
  assert.deepEqual(skills.fine.inputSchema, input);
  // Many schemas together stop at the agent's budget.
  const many = defineAgent({
    card: { name: 'many', description: 'm', version: '1' },
    registry: {},
    skills: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`s${i}`, { description: 's', input: { type: 'object', description: 'y'.repeat(60 * 1024) }, handler: () => 'ok' }])),
  });
  const kept = Object.keys((registryMetadataOf(many) as any).skills);
  assert.ok(kept.length >= 1 && kept.length < 6, kept.join(','));
});
