/** `agentmesh agents ownership <name> [--verify]`: the verdict on an agent's ownership claim (docs/registry.md#ownership-verification). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { addRegistryOptions, printJson, runRegistryCommand, type RegistryFlags } from './agents-options.js';

interface OwnershipFlags extends RegistryFlags {
  verify?: boolean;
}

/** Builds `agents ownership`. */
export function agentsOwnershipCommand(ctx: CliContext): Command {
  const command = new Command('ownership')
    .description("show whether the registry verified an agent's ownership claim, and what to publish to prove it")
    .argument('<name>', 'agent name')
    .option('--verify', 'check the claim now (after publishing its proof; needs registry:write)');
  addRegistryOptions(command).addHelpText(
    'after',
    `
Examples:
  $ agentmesh agents ownership lead-scorer
  $ agentmesh agents ownership lead-scorer --verify

The claim is metadata.ownership ({ "domain": "example.com" }); the registry
checks it by a DNS TXT record, a well-known file on the card's host, or a card
signed by a key the owner publishes, and again every hour.
`,
  );
  command.action(async (name: string, flags: OwnershipFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const report = flags.verify === true ? await registry.verifyOwnership(name) : await registry.ownership(name);
      const { formatOwnership } = await import('./agents-review-render.js');
      if (output.json) printJson(ctx, report);
      else ctx.io.stdout.write(formatOwnership(report));
      // Exit 1 when asked to verify and it did not: scripts wait on it.
      return flags.verify === true && report.ownership?.status !== 'verified' ? ExitCodes.FAILURE : ExitCodes.OK;
    });
  });
  return command;
}
