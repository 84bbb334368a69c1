import type { Message } from '@a2a-js/sdk';
import type { AgentDefinition, CompiledSkill } from '../contracts/agent/index.js';
import { unknownSkillError, Errors } from '../protocol/index.js';

/** Picks the skill a message asks for: `metadata.skillId`, else the default skill. */
export function selectSkill(agent: AgentDefinition, message: Message): CompiledSkill {
  const requested = message.metadata?.['skillId'];
  if (requested !== undefined) {
    const skill = typeof requested === 'string' ? agent.skills.get(requested) : undefined;
    if (!skill) throw unknownSkillError([...agent.skills.keys()]);
    return skill;
  }
  if (agent.defaultSkill) return agent.skills.get(agent.defaultSkill)!;
  throw Errors.skillIdRequired({ agent: agent.name, skills: [...agent.skills.keys()].join(', ') }, {
    violations: [{ field: 'message.metadata.skillId', description: `is required; one of ${[...agent.skills.keys()].join(', ')}` }],
  });
}
