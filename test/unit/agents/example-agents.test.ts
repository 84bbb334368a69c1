import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentCard } from '@a2a-js/sdk';
import { exampleAgents } from '../../../agents/index.js';
import { validateAgentMetadata } from '../../../src/registry/intake/metadata-validation.js';

const NEW_AGENTS = ['data-engineer', 'campaign-orchestrator', 'legal', 'finance', 'support', 'hr', 'analytics', 'audience-architect', 'workflow-automation', 'sales'];

test('agentmesh up serves every example agent once', () => {
  const names = exampleAgents.map((a) => a.name);
  assert.deepEqual(names, ['echo', 'lead-scorer', ...NEW_AGENTS]);
});

test('each agent\'s registry metadata passes the registry\'s own validation', () => {
  for (const agent of exampleAgents) {
    const card = { skills: [...agent.skills.values()].map((s) => s.card) } as AgentCard;
    assert.doesNotThrow(() => validateAgentMetadata(agent.registry, card), agent.name);
  }
});

test('the new agents describe themselves for routing: department, owner, cost center, SLA, and pricing for every skill', () => {
  for (const agent of exampleAgents.filter((a) => NEW_AGENTS.includes(a.name))) {
    const registry = agent.registry as { department?: string; owner?: string; costCenter?: string; sla?: { tier: string }; skills?: Record<string, { pricing?: object }> };
    assert.ok(registry.department && registry.owner && registry.costCenter && registry.sla?.tier, agent.name);
    assert.ok(agent.defaultSkill !== undefined, `${agent.name} takes plain text without a skill id`);
    for (const skill of agent.skills.values()) {
      const where = `${agent.name}/${skill.id}`;
      assert.ok(registry.skills?.[skill.id]?.pricing, `${where} has pricing`);
      assert.ok(skill.card.description.length >= 60, `${where} has a real description`);
      assert.ok(skill.card.tags.length >= 3, `${where} has tags`);
      assert.ok(skill.card.examples.length >= 3, `${where} has 3+ examples`);
      assert.ok(skill.validateInput, `${where} validates its input`);
      assert.ok(skill.validateInput!('a request in words'), `${where} takes text`);
    }
  }
});
