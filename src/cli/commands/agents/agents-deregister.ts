/** `agentmesh agents deregister <name>`: removes an agent and its instances from the registry. */
import type { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { agentNameCommand, printAnswer } from './agents-options.js';

/** Builds `agents deregister`. */
export function agentsDeregisterCommand(ctx: CliContext): Command {
  return agentNameCommand(ctx, {
    name: 'deregister',
    description: 'remove an agent from the registry (its instances and configs go with it)',
    help: `
Examples:
  $ agentmesh agents deregister lead-scorer

An agent whose runtime still runs with REGISTRY_URL registers itself again at
its next heartbeat; stop the runtime first to remove it for good.
`,
    answer: async (registry, name, output) => {
      await registry.deregister(name);
      return printAnswer(ctx, output, { deregistered: name }, () => `deregistered ${name}\n`);
    },
  });
}
