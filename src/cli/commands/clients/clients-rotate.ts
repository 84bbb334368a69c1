/** `agentmesh clients rotate <clientId>`: a new client secret, printed once; the old one works for a grace period. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printJson } from '../agents/agents-options.js';
import { addGatewayOptions, runGatewayCommand, seconds, type GatewayFlags } from './clients-options.js';
import { SHOWN_ONCE, formatClient } from './clients-render.js';

interface RotateFlags extends GatewayFlags {
  grace?: number;
}

/** Builds `clients rotate`. */
export function clientsRotateCommand(ctx: CliContext): Command {
  const command = new Command('rotate')
    .description("replace a client's secret; the old secret keeps working for the grace period")
    .argument('<clientId>', 'the client (amc_…)')
    .option('--grace <seconds>', 'how long the old secret keeps working (default: the gateway setting, 1 hour; 0 ends it now)', seconds);
  addGatewayOptions(command, { admin: true }).addHelpText('after', '\nExamples:\n  $ agentmesh clients rotate amc_0123456789abcdefghij\n  $ agentmesh clients rotate amc_0123456789abcdefghij --grace 0\n\nTokens already issued stay valid until they expire; revoke the client to end them.\n');
  command.action(async (clientId: string, flags: RotateFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const client = await gateway.rotateClientSecret(clientId, flags.grace);
      if (output.json) {
        printJson(ctx, client);
        return ExitCodes.OK;
      }
      ctx.io.stdout.write(`rotated the secret of ${client.client_id}\n${formatClient(client)}`);
      ctx.io.stderr.write(`the new secret: ${SHOWN_ONCE}`);
      return ExitCodes.OK;
    });
  });
  return command;
}
