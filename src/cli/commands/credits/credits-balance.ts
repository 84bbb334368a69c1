/** `agentmesh credits balance <tenant>`: balance, available and reserved credits. */
import { Command } from 'commander';
import type { CliContext } from '../../cli-io.js';
import { ExitCodes } from '../../exit-codes.js';
import { printJson } from '../agents/agents-options.js';
import { addCreditsOptions, runCreditsCommand, type CreditsFlags } from './credits-options.js';
import { formatBalance } from './credits-render.js';

/** Builds `credits balance`. */
export function creditsBalanceCommand(ctx: CliContext): Command {
  const command = new Command('balance').description("show a tenant's credit balance: total, available, reserved").argument('<tenant>', 'tenant id');
  addCreditsOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh credits balance acme --token "$TOKEN"
  $ agentmesh credits balance acme --json | jq .availableMilliCredits
`,
  );
  command.action(async (tenant: string, flags: CreditsFlags) => {
    await runCreditsCommand(ctx, flags, async (gateway, output) => {
      const balance = await gateway.balance(tenant);
      if (output.json) printJson(ctx, balance);
      else ctx.io.stdout.write(formatBalance(balance));
      return ExitCodes.OK;
    });
  });
  return command;
}
