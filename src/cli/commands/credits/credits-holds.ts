/** `agentmesh credits holds <tenant>`: the tenant's credit holds still open, oldest first. */
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { printAnswer } from '../agents/agents-options.js';
import { addCreditsOptions, runCreditsCommand, type CreditsFlags } from './credits-options.js';
import { formatHolds } from './credits-render.js';

function limitArgument(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw new InvalidArgumentError('must be an integer from 1 to 1000');
  return Number(value);
}

/** Builds `credits holds`. */
export function creditsHoldsCommand(ctx: CliContext): Command {
  const command = new Command('holds')
    .description("list a tenant's credit holds still open (calls in flight, or tasks that never ended)")
    .argument('<tenant>', 'tenant id')
    .option('--limit <n>', 'most holds listed, oldest first (default 100)', limitArgument);
  addCreditsOptions(command).addHelpText('after', '\nExamples:\n  $ agentmesh credits holds acme\n  $ agentmesh credits release acme "lead-scorer:01a2…"   # refund one now\n');
  command.action(async (tenant: string, flags: CreditsFlags & { limit?: number }) => {
    await runCreditsCommand(ctx, flags, async (gateway, output) => {
      const holds = await gateway.holds(tenant, flags.limit);
      return printAnswer(ctx, output, holds, formatHolds);
    });
  });
  return command;
}
