/**
 * The ready-to-paste `send` printed when agents start serving: it must work
 * as printed. A skill that takes data gets its own example as a data part
 * (its first example when that is JSON, as the example agents write them);
 * a skill that takes text gets its first example, or "hello".
 */
import type { AgentDefinition } from '../../runtime/index.js';
import { cliCommand, runningBinFile, shellQuote } from '../commands/up/up-banner.js';

/** `agentmesh send <url> …` for the agent's default (else first) skill. */
export function tryCommandLine(agent: AgentDefinition, agentUrl: string, cwd: string = process.cwd()): string {
  const cli = cliCommand(runningBinFile(), cwd);
  const skillId = agent.defaultSkill ?? [...agent.skills.keys()][0]!;
  const skill = agent.skills.get(skillId)!;
  const skillFlag = agent.defaultSkill === undefined && agent.skills.size > 1 ? ` --skill ${shellQuote(skillId)}` : '';
  const example = skill.card.examples[0];
  const json = example !== undefined ? parseJsonObject(example) : undefined;
  if (json !== undefined) return `echo ${shellQuote(JSON.stringify(json))} | ${cli} send ${shellQuote(agentUrl)}${skillFlag} --data -`;
  const text = example ?? 'hello';
  // A skill whose schema refuses text and gives no JSON example: say what to send rather than print a command that fails.
  if (skill.validateInput !== undefined && !skill.validateInput(text)) return `${cli} send ${shellQuote(agentUrl)}${skillFlag} --data input.json   # input.json: what skill ${skillId}'s input schema accepts (see the card)`;
  return `${cli} send ${shellQuote(agentUrl)}${skillFlag} ${shellQuote(text)}`;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
