/** `agentmesh credits usage <tenant>`: what settled calls charged, grouped by agent, skill and/or day. */
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { printAnswer } from '../agents/agents-options.js';
import { addCreditsOptions, runCreditsCommand, type CreditsFlags } from './credits-options.js';
import { formatUsage } from './credits-render.js';

interface UsageFlags extends CreditsFlags {
  by: string[];
  from?: string;
  to?: string;
}

const DIMENSIONS = ['agent', 'skill', 'day'];

/** Reads `--by agent,skill,day`. */
function byList(value: string): string[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const unknown = parts.filter((p) => !DIMENSIONS.includes(p));
  if (parts.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`expected a comma list of ${DIMENSIONS.join(', ')}${unknown.length > 0 ? `, got ${unknown.join(', ')}` : ''}`);
  return [...new Set(parts)];
}

/** Builds `credits usage`. */
export function creditsUsageCommand(ctx: CliContext): Command {
  const command = new Command('usage')
    .description("show what a tenant's settled calls charged, grouped by agent, skill and/or UTC day")
    .argument('<tenant>', 'tenant id')
    .option('--by <dimensions>', 'group by a comma list of agent, skill, day (default: agent)', byList, ['agent'])
    .option('--from <date>', 'from this UTC day (YYYY-MM-DD) or ISO 8601 instant, inclusive')
    .option('--to <date>', 'up to this UTC day (inclusive) or ISO 8601 instant (exclusive)');
  addCreditsOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh credits usage acme
  $ agentmesh credits usage acme --by day,agent --from 2026-08-01 --to 2026-08-31
  $ agentmesh credits usage acme --by skill --json
`,
  );
  command.action(async (tenant: string, flags: UsageFlags) => {
    await runCreditsCommand(ctx, flags, async (gateway, output) => {
      const usage = await gateway.usage(tenant, { groupBy: flags.by, from: flags.from, to: flags.to });
      return printAnswer(ctx, output, usage, formatUsage);
    });
  });
  return command;
}
