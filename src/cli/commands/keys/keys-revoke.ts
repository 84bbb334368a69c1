/** `agentmesh keys revoke <id>`: ends an API key. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printJson } from '../agents/agents-options.js';
import { addGatewayOptions, runGatewayCommand, type GatewayFlags } from '../clients/clients-options.js';

/** Builds `keys revoke`. */
export function keysRevokeCommand(ctx: CliContext): Command {
  const command = new Command('revoke').description('revoke an API key; calls with it are refused').argument('<id>', 'the key id (amk_…)');
  addGatewayOptions(command, { admin: true }).addHelpText('after', '\nExamples:\n  $ agentmesh keys revoke amk_0123456789abcdefghij\n');
  command.action(async (id: string, flags: GatewayFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const key = await gateway.revokeApiKey(id);
      if (output.json) printJson(ctx, key);
      else ctx.io.stdout.write(`revoked ${key.id} (${key.name}, tenant ${key.tenant})\n`);
      return ExitCodes.OK;
    });
  });
  return command;
}
