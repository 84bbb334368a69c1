/** `agentmesh keys list`: API keys (never the keys themselves). */
import { Command, Option } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { positiveInteger, printJson } from '../agents/agents-options.js';
import { addGatewayOptions, runGatewayCommand, type GatewayFlags } from '../clients/clients-options.js';
import { formatApiKeyTable } from '../clients/clients-render.js';
import type { CredentialStatus } from '../../../contracts/management/index.js';

interface ListFlags extends GatewayFlags {
  tenant?: string;
  /** One of commander's choices. */
  status?: CredentialStatus;
  pageSize?: number;
  pageToken?: string;
}

/** Builds `keys list`. */
export function keysListCommand(ctx: CliContext): Command {
  const command = new Command('list')
    .description('list API keys: id, name, tenant, status, expiry, scopes')
    .option('--tenant <tenant>', 'only keys of this tenant')
    .addOption(new Option('--status <status>', 'only keys with this status').choices(['active', 'revoked']))
    .option('--page-size <n>', 'keys per page (1-500, default 100)', positiveInteger('keys per page', 500))
    .option('--page-token <token>', 'start after this key id (the nextPageToken of a previous call)');
  addGatewayOptions(command, { admin: true }).addHelpText('after', '\nExamples:\n  $ agentmesh keys list --tenant acme\n');
  command.action(async (flags: ListFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const page = await gateway.listApiKeys({ tenant: flags.tenant, status: flags.status, pageSize: flags.pageSize, pageToken: flags.pageToken });
      if (output.json) printJson(ctx, page);
      else {
        ctx.io.stdout.write(formatApiKeyTable(page.apiKeys));
        if (page.nextPageToken !== undefined) ctx.io.stderr.write(`more keys: add --page-token ${page.nextPageToken}\n`);
      }
      return ExitCodes.OK;
    });
  });
  return command;
}
