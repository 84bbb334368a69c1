/** `agentmesh agents health <name>`: the agent's health, its instances and their recent probes. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { addRegistryOptions, printAnswer, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { formatHealth } from './agents-render.js';

interface HealthFlags extends RegistryFlags {
  history?: number;
}

const DEFAULT_HISTORY = 10;

/** Builds `agents health`. */
export function agentsHealthCommand(ctx: CliContext): Command {
  const command = new Command('health')
    .description('show health: each instance up or down, its latency, last error and recent probes')
    .argument('<name>', 'agent name')
    .option('--history <n>', `recent probes shown per instance (default ${DEFAULT_HISTORY})`, positiveInteger('probes'));
  addRegistryOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh agents health lead-scorer
  $ agentmesh agents health lead-scorer --history 30
  $ agentmesh agents health lead-scorer --json | jq '.instances[].probe'

Health is healthy (every instance up), degraded (some), down (none) or unknown (not probed yet).
`,
  );
  command.action(async (name: string, flags: HealthFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const report = await registry.health(name);
      return printAnswer(ctx, output, report, () => formatHealth(report, flags.history ?? DEFAULT_HISTORY));
    });
  });
  return command;
}
