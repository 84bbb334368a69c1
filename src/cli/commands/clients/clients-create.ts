/** `agentmesh clients create`: registers an OAuth client and prints its secret, once. */
import { Command, Option } from 'commander';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import type { ClientAuthMethod, NewClientRequest } from '../../role-apis/gateway-client.js';
import { printJson, readJsonObject } from '../agents/agents-options.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { addGatewayOptions, collectValues, runGatewayCommand, type GatewayFlags } from './clients-options.js';
import { addCredentialOptions } from './credential-commands.js';
import { OAUTH_CLIENTS } from './oauth-clients.js';
import { SHOWN_ONCE, formatClient } from './clients-render.js';

interface CreateFlags extends GatewayFlags {
  name: string;
  tenant: string;
  scope?: string[];
  audience?: string[];
  authMethod: ClientAuthMethod;
  jwks?: string;
  jwksUri?: string;
  rpm?: number;
  burst?: number;
}

const EXAMPLES = `
Examples:
  $ agentmesh clients create --name router --tenant acme --scope a2a:message:send --scope a2a:tasks:read
  $ agentmesh clients create --name batch --tenant acme --scope "a2a:message:send a2a:tasks:read" --rpm 600 --burst 50
  $ agentmesh clients create --name signer --tenant acme --scope a2a:message:send --auth-method private_key_jwt --jwks ./public-jwks.json

The client secret is printed once; the gateway stores only a keyed hash.
private_key_jwt clients have no secret: they sign assertions with the key in --jwks or at --jwks-uri.
`;

/** Builds `clients create`. */
export function clientsCreateCommand(ctx: CliContext): Command {
  const command = addCredentialOptions(new Command('create').description('register an OAuth client (client credentials); prints client_id and client_secret'), OAUTH_CLIENTS)
    .option('--audience <aud>', 'an audience the client may ask for (repeat; default the gateway audience)', collectValues)
    .addOption(new Option('--auth-method <method>', 'how it authenticates at /oauth/token').choices(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'))
    .option('--jwks <file.json>', 'private_key_jwt: its public JWK Set')
    .option('--jwks-uri <url>', 'private_key_jwt: where its JWK Set is published')
    .option('--rpm <n>', 'its quota: requests per minute', positiveInteger('requests per minute'))
    .option('--burst <n>', 'its quota: burst size', positiveInteger('requests'));
  addGatewayOptions(command, { admin: true }).addHelpText('after', EXAMPLES);

  command.action(async (flags: CreateFlags) => {
    if ((flags.rpm === undefined) !== (flags.burst === undefined)) throw Errors.cliRpmWithoutBurst({});
    const body: NewClientRequest = { name: flags.name, tenant: flags.tenant, scopes: flags.scope ?? [], authMethod: flags.authMethod };
    if (flags.audience !== undefined) body.audiences = flags.audience;
    // The gateway checks the document against the schema (400 naming jwks.keys): the CLI sends it as read.
    if (flags.jwks !== undefined) body.jwks = (await readJsonObject(flags.jwks, '--jwks')) as NewClientRequest['jwks'];
    if (flags.jwksUri !== undefined) body.jwksUri = flags.jwksUri;
    if (flags.rpm !== undefined && flags.burst !== undefined) body.rateLimit = { requestsPerMinute: flags.rpm, burst: flags.burst };
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const client = await gateway.createClient(body);
      if (output.json) printJson(ctx, client);
      else ctx.io.stdout.write(`client created\n${formatClient(client)}`);
      if (client.client_secret !== undefined && !output.json) ctx.io.stderr.write(`the client secret: ${SHOWN_ONCE}`);
      return ExitCodes.OK;
    });
  });
  return command;
}
