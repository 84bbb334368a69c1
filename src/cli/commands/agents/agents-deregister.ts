/** `agentmesh agents deregister <name>`: removes an agent and its instances from the registry. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { addRegistryOptions, printAnswer, runRegistryCommand, type RegistryFlags } from './agents-options.js';

/** Builds `agents deregister`. */
export function agentsDeregisterCommand(ctx: CliContext): Command {
  const command = new Command('deregister')
    .description('remove an agent from the registry (its instances and configs go with it)')
    .argument('<name>', 'agent name');
  addRegistryOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh agents deregister lead-scorer

An agent whose runtime still runs with REGISTRY_URL registers itself again at
its next heartbeat; stop the runtime first to remove it for good.
`,
  );
  command.action(async (name: string, flags: RegistryFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      await registry.deregister(name);
      return printAnswer(ctx, output, { deregistered: name }, () => `deregistered ${name}\n`);
    });
  });
  return command;
}
