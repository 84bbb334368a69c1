/** `agentmesh credits topup <tenant> <credits>`: add credits, idempotent by reference. */
import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { parseCredits } from '../../../tenancy/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { printAnswer } from '../agents/agents-options.js';
import { addCreditsOptions, runCreditsCommand, type CreditsFlags } from './credits-options.js';
import { formatTopUp } from './credits-render.js';
import { errorMessage } from '../../../protocol/index.js';

interface TopUpFlags extends CreditsFlags {
  reference?: string;
}

/** Reads `<credits>` exactly (no float): "12.5" is 12500 milli-credits. */
function creditsArgument(value: string): number {
  let milli: number;
  try {
    milli = parseCredits(value);
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err).replace(/^credits /, ''));
  }
  if (milli < 1) throw new InvalidArgumentError('must be more than 0');
  return milli;
}

/** Builds `credits topup`. */
export function creditsTopUpCommand(ctx: CliContext): Command {
  const command = new Command('topup')
    .description('add credits to a tenant (needs credits:admin)')
    .argument('<tenant>', 'tenant id')
    .argument('<credits>', 'credits to add, up to 3 decimals (12.5 = 12500 milli-credits)', creditsArgument)
    .option('--reference <id>', 'idempotency key, e.g. the invoice id: repeating the command with it adds nothing (default: a new random one, printed)');
  addCreditsOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh credits topup acme 500 --reference invoice-2026-08 --admin-token "$GATEWAY_ADMIN_TOKEN"
  $ agentmesh credits topup acme 12.5 --json

Without --reference a retry after a timeout could add the credits twice: pass
the reference the first run printed to retry safely.
`,
  );
  command.action(async (tenant: string, milliCredits: number, flags: TopUpFlags) => {
    const reference = flags.reference ?? `cli-${randomUUID()}`;
    await runCreditsCommand(ctx, flags, async (gateway, output) => {
      const topUp = await gateway.topUp(tenant, milliCredits, reference);
      return printAnswer(ctx, output, topUp, formatTopUp);
    });
  });
  return command;
}
