/** `agentmesh credits release <tenant> <key>`: refund one open hold now (needs credits:admin). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { printAnswer } from '../agents/agents-options.js';
import { addCreditsOptions, runCreditsCommand, type CreditsFlags } from './credits-options.js';
import { formatRelease } from './credits-render.js';

/** Builds `credits release`. */
export function creditsReleaseCommand(ctx: CliContext): Command {
  const command = new Command('release')
    .description('release a credit hold now: refund it to the tenant (needs credits:admin); holds also expire on their own after the max hold (default 24 h)')
    .argument('<tenant>', 'tenant id')
    .argument('<key>', 'the hold\'s key, as `agentmesh credits holds` lists it')
    .option('--reason <text>', 'why, kept with the refund (default "released by an operator")');
  addCreditsOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh credits holds acme
  $ agentmesh credits release acme "lead-scorer:01a2…" --reason "task abandoned in input-required" --admin-token "$GATEWAY_ADMIN_TOKEN"

Releasing twice is safe: the second run says the hold was already closed.
`,
  );
  command.action(async (tenant: string, key: string, flags: CreditsFlags & { reason?: string }) => {
    await runCreditsCommand(ctx, flags, async (gateway, output) => {
      const release = await gateway.release(tenant, key, flags.reason);
      return printAnswer(ctx, output, release, formatRelease);
    });
  });
  return command;
}
