import { defineAgent, type AgentCardInput, type AgentDefinition, type SkillDefinition } from '../../src/runtime/index.js';

/** The agent around the one skill of {@link oneSkillAgent}: its card, and what the registry is told of it. */
export interface OneSkillAgentSpec extends AgentCardInput {
  /** The skill's price in the registry metadata (seed 004's `pricing.creditsPerCall`): none, the skill is free. */
  creditsPerCall?: number;
  /** The department the registry files the agent under. */
  department?: string;
  /** Tasks run at once (see AgentDefinitionInput.maxConcurrentTasks). */
  maxConcurrentTasks?: number;
}

/**
 * A test agent with a single skill, `skillId`: the fixture most tests of the
 * gateway, the orchestrator and the runtime need. The card is `spec` less
 * the registry fields; a `creditsPerCall` prices the skill in the registry
 * metadata, under the same id, so a test states its agent's price once.
 */
export function oneSkillAgent<const I, const O>(spec: OneSkillAgentSpec, skillId: string, skill: SkillDefinition<I | undefined, O | undefined>): AgentDefinition {
  const { creditsPerCall, department, maxConcurrentTasks, ...card } = spec;
  const registry = {
    ...(department !== undefined && { department }),
    ...(creditsPerCall !== undefined && { skills: { [skillId]: { pricing: { creditsPerCall } } } }),
  };
  return defineAgent({
    card,
    ...(Object.keys(registry).length > 0 && { registry }),
    ...(maxConcurrentTasks !== undefined && { maxConcurrentTasks }),
    skills: { [skillId]: skill },
  });
}
