/** `agentmesh credits balance <tenant>`: balance, available and reserved credits. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printJson } from '../agents/agents-options.js';
import { addCreditsOptions, runCreditsCommand, type CreditsFlags } from './credits-options.js';
import type { CreditHold } from '../../../contracts/ledger/index.js';
import type { CreditsClient } from './credits-client.js';
import { formatBalance } from './credits-render.js';

/** Most holds the split of `reserved` reads; a tenant with more is shown without it. */
const HOLDS_READ = 1000;

/** The tenant's open holds when the list is whole (to split `reserved` into leases and calls), else undefined. */
async function wholeHoldList(gateway: CreditsClient, tenant: string): Promise<CreditHold[] | undefined> {
  try {
    const { reservations } = await gateway.holds(tenant, HOLDS_READ);
    return reservations.length < HOLDS_READ ? reservations : undefined;
  } catch {
    // The balance stands on its own: the split is a detail.
    return undefined;
  }
}

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
      else ctx.io.stdout.write(formatBalance(balance, balance.reservedMilliCredits > 0 ? await wholeHoldList(gateway, tenant) : undefined));
      return ExitCodes.OK;
    });
  });
  return command;
}
