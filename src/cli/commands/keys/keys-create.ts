/** `agentmesh keys create`: an API key for X-API-Key, printed once. */
import { Command } from 'commander';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import type { NewApiKeyRequest } from '../../role-apis/gateway-client.js';
import { printJson } from '../agents/agents-options.js';
import { addGatewayOptions, parseDuration, runGatewayCommand, type GatewayFlags } from '../clients/clients-options.js';
import { addCredentialOptions } from '../clients/credential-commands.js';
import { API_KEYS } from './api-keys.js';
import { SHOWN_ONCE, formatApiKey } from '../clients/clients-render.js';

interface CreateFlags extends GatewayFlags {
  name: string;
  tenant: string;
  scope?: string[];
  expiresIn?: number;
  expiresAt?: string;
}

const EXAMPLES = `
Examples:
  $ agentmesh keys create --name reporting --tenant acme --scope a2a:tasks:read --expires-in 90d
  $ agentmesh keys create --name ci --tenant acme --scope a2a:message:send --expires-at 2027-01-31T00:00:00Z

Send the key as the X-API-Key header. It is printed once; the gateway keeps a keyed hash.
`;

/** Builds `keys create`. */
export function keysCreateCommand(ctx: CliContext): Command {
  const command = addCredentialOptions(new Command('create').description('create an API key (amk_<id>_<secret>) for the X-API-Key header'), API_KEYS)
    .option('--expires-in <duration>', 'expire after 90s, 15m, 12h, 30d…', parseDuration)
    .option('--expires-at <iso>', 'expire at this ISO 8601 time (e.g. 2027-01-31T00:00:00Z)');
  addGatewayOptions(command, { admin: true }).addHelpText('after', EXAMPLES);
  command.action(async (flags: CreateFlags) => {
    if (flags.expiresIn !== undefined && flags.expiresAt !== undefined) throw Errors.cliExpiryTwice({});
    const body: NewApiKeyRequest = { name: flags.name, tenant: flags.tenant, scopes: flags.scope ?? [] };
    if (flags.expiresIn !== undefined) body.expiresAt = new Date(Date.now() + flags.expiresIn).toISOString();
    if (flags.expiresAt !== undefined) body.expiresAt = flags.expiresAt;
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const key = await gateway.createApiKey(body);
      if (output.json) printJson(ctx, key);
      else {
        ctx.io.stdout.write(`API key created\n${formatApiKey(key)}`);
        ctx.io.stderr.write(`the key: ${SHOWN_ONCE}`);
      }
      return ExitCodes.OK;
    });
  });
  return command;
}
