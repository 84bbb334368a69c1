/** `agentmesh keys …`: the gateway's API keys from the command line (docs/gateway-identity.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { credentialListCommand, credentialRevokeCommand, credentialRotateCommand } from '../clients/credential-commands.js';
import { withSubcommands } from '../command-group.js';
import { API_KEYS } from './api-keys.js';
import { keysCreateCommand } from './keys-create.js';

/** Builds the `keys` group: create, list, rotate, revoke. */
export function keysCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('keys').description("manage the gateway's API keys (X-API-Key)"), {
    commands: [keysCreateCommand(ctx), credentialListCommand(ctx, API_KEYS), credentialRotateCommand(ctx, API_KEYS), credentialRevokeCommand(ctx, API_KEYS)],
    helpAfter: `
Examples:
  $ agentmesh keys create --name reporting --tenant acme --scope a2a:tasks:read --expires-in 90d
  $ agentmesh keys list
  $ agentmesh keys rotate amk_0123456789abcdefghij
  $ agentmesh keys revoke amk_0123456789abcdefghij

Gateway: --gateway <url>, else $AGENTMESH_GATEWAY, else where the agentmesh up of this folder listens
(.agentmesh/endpoints.json), else http://localhost:4200.
These calls need gateway:admin: --admin-token, else $GATEWAY_ADMIN_TOKEN.
`,
  });
}
