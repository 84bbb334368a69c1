/** `agentmesh agents show <name>`: one record, its instances and a health summary. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { addRegistryOptions, printAnswer, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { formatAgent } from './agents-render.js';

/** Builds `agents show`. */
export function agentsShowCommand(ctx: CliContext): Command {
  const command = new Command('show')
    .description('show an agent: card, enterprise metadata, health and instances')
    .argument('<name>', 'agent name');
  addRegistryOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh agents show lead-scorer
  $ agentmesh agents show lead-scorer --json | jq .agent.metadata

--json prints { "agent": <record>, "instances": [...] }.
`,
  );
  command.action(async (name: string, flags: RegistryFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const [record, instances] = await Promise.all([registry.getAgent(name), registry.instances(name)]);
      return printAnswer(ctx, output, { agent: record, instances }, () => formatAgent(record, instances));
    });
  });
  return command;
}
