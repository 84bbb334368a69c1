/** `agentmesh keys rotate <id>`: a new secret for an API key, printed once; the old key works for a grace period. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printJson } from '../agents/agents-options.js';
import { addGatewayOptions, runGatewayCommand, seconds, type GatewayFlags } from '../clients/clients-options.js';
import { SHOWN_ONCE, formatApiKey } from '../clients/clients-render.js';

interface RotateFlags extends GatewayFlags {
  grace?: number;
}

/** Builds `keys rotate`. */
export function keysRotateCommand(ctx: CliContext): Command {
  const command = new Command('rotate')
    .description('give an API key a new secret (same id); the old key keeps working for the grace period')
    .argument('<id>', 'the key id (amk_…)')
    .option('--grace <seconds>', 'how long the old key keeps working (default: the gateway setting, 1 hour; 0 ends it now)', seconds);
  addGatewayOptions(command, { admin: true }).addHelpText('after', '\nExamples:\n  $ agentmesh keys rotate amk_0123456789abcdefghij --grace 600\n');
  command.action(async (id: string, flags: RotateFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const key = await gateway.rotateApiKey(id, flags.grace);
      if (output.json) printJson(ctx, key);
      else {
        ctx.io.stdout.write(`API key rotated\n${formatApiKey(key)}`);
        ctx.io.stderr.write(`the new key: ${SHOWN_ONCE}`);
      }
      return ExitCodes.OK;
    });
  });
  return command;
}
