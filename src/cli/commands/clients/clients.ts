/** `agentmesh clients …`: the gateway's OAuth clients from the command line (docs/gateway-identity.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { clientsCreateCommand } from './clients-create.js';
import { credentialListCommand, credentialRevokeCommand, credentialRotateCommand } from './credential-commands.js';
import { OAUTH_CLIENTS } from './oauth-clients.js';

/** Builds the `clients` group: create, list, rotate, revoke. */
export function clientsCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('clients').description("manage the gateway's OAuth clients (client credentials)"), {
    commands: [clientsCreateCommand(ctx), credentialListCommand(ctx, OAUTH_CLIENTS), credentialRotateCommand(ctx, OAUTH_CLIENTS), credentialRevokeCommand(ctx, OAUTH_CLIENTS)],
    helpAfter: `
Examples:
  $ agentmesh clients create --name router --tenant acme --scope a2a:message:send
  $ agentmesh clients list --tenant acme
  $ agentmesh clients rotate amc_0123456789abcdefghij
  $ agentmesh clients revoke amc_0123456789abcdefghij

Gateway: --gateway <url>, else $AGENTMESH_GATEWAY, else where the agentmesh up of this folder listens
(.agentmesh/endpoints.json), else http://localhost:4200.
These calls need gateway:admin: --admin-token, else $GATEWAY_ADMIN_TOKEN.
`,
  });
}
