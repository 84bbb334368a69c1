/** `agentmesh clients revoke <clientId>`: ends a client and every token it holds. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printJson } from '../agents/agents-options.js';
import { addGatewayOptions, runGatewayCommand, type GatewayFlags } from './clients-options.js';

/** Builds `clients revoke`. */
export function clientsRevokeCommand(ctx: CliContext): Command {
  const command = new Command('revoke').description('revoke a client: no new tokens, and its tokens stop working').argument('<clientId>', 'the client (amc_…)');
  addGatewayOptions(command, { admin: true }).addHelpText('after', '\nExamples:\n  $ agentmesh clients revoke amc_0123456789abcdefghij\n\nRevocation is final: register a new client to restore access.\n');
  command.action(async (clientId: string, flags: GatewayFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const client = await gateway.revokeClient(clientId);
      if (output.json) printJson(ctx, client);
      else ctx.io.stdout.write(`revoked ${client.client_id} (${client.name}, tenant ${client.tenant}); its tokens no longer work\n`);
      return ExitCodes.OK;
    });
  });
  return command;
}
