/** `agentmesh agents show <name>`: one record, its instances and a health summary. */
import type { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { agentNameCommand, printAnswer } from './agents-options.js';
import { formatAgent } from './agents-render.js';

/** Builds `agents show`. */
export function agentsShowCommand(ctx: CliContext): Command {
  return agentNameCommand(ctx, {
    name: 'show',
    description: 'show an agent: card, enterprise metadata, health and instances',
    help: `
Examples:
  $ agentmesh agents show lead-scorer
  $ agentmesh agents show lead-scorer --json | jq .agent.metadata

--json prints { "agent": <record>, "instances": [...] }.
`,
    answer: async (registry, name, output) => {
      const [record, instances] = await Promise.all([registry.getAgent(name), registry.instances(name)]);
      return printAnswer(ctx, output, { agent: record, instances }, () => formatAgent(record, instances));
    },
  });
}
