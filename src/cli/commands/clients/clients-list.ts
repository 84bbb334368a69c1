/** `agentmesh clients list`: registered OAuth clients. */
import { Command, Option } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { positiveInteger, printJson } from '../agents/agents-options.js';
import { addGatewayOptions, runGatewayCommand, type GatewayFlags } from './clients-options.js';
import { formatClientTable } from './clients-render.js';
import type { CredentialStatus } from '../../../contracts/management/index.js';

interface ListFlags extends GatewayFlags {
  tenant?: string;
  /** One of commander's choices. */
  status?: CredentialStatus;
  pageSize?: number;
  pageToken?: string;
}

/** Builds `clients list`. */
export function clientsListCommand(ctx: CliContext): Command {
  const command = new Command('list')
    .description('list OAuth clients: id, name, tenant, auth method, status, scopes')
    .option('--tenant <tenant>', 'only clients of this tenant')
    .addOption(new Option('--status <status>', 'only clients with this status').choices(['active', 'revoked']))
    .option('--page-size <n>', 'clients per page (1-500, default 100)', positiveInteger('clients per page', 500))
    .option('--page-token <token>', 'start after this client id (the nextPageToken of a previous call)');
  addGatewayOptions(command, { admin: true }).addHelpText('after', '\nExamples:\n  $ agentmesh clients list --tenant acme\n  $ agentmesh clients list --status revoked --json\n');
  command.action(async (flags: ListFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const page = await gateway.listClients({ tenant: flags.tenant, status: flags.status, pageSize: flags.pageSize, pageToken: flags.pageToken });
      if (output.json) printJson(ctx, page);
      else {
        ctx.io.stdout.write(formatClientTable(page.clients));
        if (page.nextPageToken !== undefined) ctx.io.stderr.write(`more clients: add --page-token ${page.nextPageToken}\n`);
      }
      return ExitCodes.OK;
    });
  });
  return command;
}
