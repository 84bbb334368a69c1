/** `agentmesh token`: fetches an access token with the client credentials grant. */
import { Command, Option } from 'commander';
import { Errors } from '../../protocol/index.js';
import type { CliContext } from '../io/cli-io.js';
import { printAnswer } from './agents/agents-options.js';
import { addGatewayOptions, collectScopes, runGatewayCommand, type GatewayFlags } from './clients/clients-options.js';

interface TokenFlags extends GatewayFlags {
  clientId?: string;
  clientSecret?: string;
  scope?: string[];
  audience?: string;
  authMethod: 'basic' | 'post';
}

const EXAMPLES = `
Examples:
  $ agentmesh token --client-id amc_0123456789abcdefghij --client-secret "$SECRET"
  $ export AGENTMESH_TOKEN=$(agentmesh token --scope a2a:message:send)
  $ agentmesh token --json | jq .expires_in

Credentials: --client-id / --client-secret, else $AGENTMESH_CLIENT_ID / $AGENTMESH_CLIENT_SECRET
(prefer the environment: command lines are visible to other users of the machine).
Prints the token alone (for $(…)), or the whole token response with --json.
`;

/** Builds `token`. */
export function tokenCommand(ctx: CliContext): Command {
  const command = new Command('token')
    .description('get an access token from the gateway (OAuth 2.0 client credentials)')
    .option('--client-id <id>', 'the client (default: $AGENTMESH_CLIENT_ID)')
    .option('--client-secret <secret>', 'its secret (default: $AGENTMESH_CLIENT_SECRET)')
    .option('--scope <scopes>', 'scopes to ask for (repeat, or separate with spaces/commas; default: all the client may have)', collectScopes)
    .option('--audience <aud>', 'audience to ask for (default: the gateway audience)')
    .addOption(new Option('--auth-method <how>', 'send the secret in a Basic header or in the form body').choices(['basic', 'post']).default('basic'));
  addGatewayOptions(command, { admin: false }).addHelpText('after', EXAMPLES);
  command.action(async (flags: TokenFlags) => {
    const clientId = flags.clientId ?? ctx.io.env.AGENTMESH_CLIENT_ID;
    const clientSecret = flags.clientSecret ?? ctx.io.env.AGENTMESH_CLIENT_SECRET;
    if (clientId === undefined || clientId === '') throw Errors.cliClientIdMissing({});
    if (clientSecret === undefined || clientSecret === '') throw Errors.cliClientSecretMissing({});
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const token = await gateway.token({ clientId, clientSecret, scope: flags.scope?.join(' '), audience: flags.audience, method: flags.authMethod });
      return printAnswer(ctx, output, token, () => `${token.access_token}\n`);
    });
  });
  return command;
}
