/** `agentmesh keys …`: the gateway's API keys from the command line (docs/gateway-identity.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { keysCreateCommand } from './keys-create.js';
import { keysListCommand } from './keys-list.js';
import { keysRevokeCommand } from './keys-revoke.js';
import { keysRotateCommand } from './keys-rotate.js';

/** Builds the `keys` group: create, list, rotate, revoke. */
export function keysCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('keys').description("manage the gateway's API keys (X-API-Key)"), {
    commands: [keysCreateCommand(ctx), keysListCommand(ctx), keysRotateCommand(ctx), keysRevokeCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh keys create --name reporting --tenant acme --scope a2a:tasks:read --expires-in 90d
  $ agentmesh keys list
  $ agentmesh keys rotate amk_0123456789abcdefghij
  $ agentmesh keys revoke amk_0123456789abcdefghij

Gateway: --gateway <url>, else $AGENTMESH_GATEWAY, else http://localhost:4200.
These calls need gateway:admin: --admin-token, else $GATEWAY_ADMIN_TOKEN.
`,
  });
}
