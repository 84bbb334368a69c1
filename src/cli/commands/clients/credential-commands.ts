/**
 * What `agentmesh clients …` and `agentmesh keys …` share: the options every
 * credential is created with, and `list`, `rotate` and `revoke`. The two kinds
 * of gateway credential are listed, rotated and revoked the same way, so each
 * of those commands is built once from a {@link CredentialKind} that says
 * what its kind is called, which gateway calls serve it and how it prints.
 */
import { Command, Option } from 'commander';
import type { CredentialListParams, CredentialStatus } from '../../../contracts/management/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import type { GatewayClient } from '../../role-apis/gateway-client.js';
import { printAnswer, printJson } from '../agents/agents-options.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { addGatewayOptions, collectScopes, runGatewayCommand, seconds, type GatewayFlags } from './clients-options.js';

/** The gateway's shapes of one kind: a credential, one with its new secret, and a page of a listing. */
export interface CredentialShapes {
  view: unknown;
  issued: unknown;
  page: { nextPageToken?: string };
}

/** One kind of credential, as the commands name, fetch and print it. */
export interface CredentialKind<T extends CredentialShapes> {
  /** In help texts: `clients`, `keys` ("only clients of this tenant"). */
  plural: string;
  /** In help texts: `client`, `key` ("start after this client id"). */
  singular: string;
  /** The id argument of rotate and revoke, and what it is: `<clientId>`, `the client (amc_…)`. */
  idArgument: readonly [name: string, description: string];
  /** Help of the options every credential is created with. */
  create: { name: string; tenant: string; scope: string };
  list: {
    description: string;
    examples: string;
    call: (gateway: GatewayClient, query: CredentialListParams) => Promise<T['page']>;
    /** The page as a table (`--json` prints it as the gateway answered). */
    format: (page: T['page']) => string;
  };
  rotate: {
    description: string;
    /** Help of `--grace`. */
    grace: string;
    examples: string;
    call: (gateway: GatewayClient, id: string, graceSeconds: number | undefined) => Promise<T['issued']>;
    /** What stdout says of the rotated credential, and the stderr line before the "store it now" note. */
    report: (issued: T['issued']) => { stdout: string; stderr: string };
  };
  revoke: {
    description: string;
    examples: string;
    call: (gateway: GatewayClient, id: string) => Promise<T['view']>;
    /** The stdout line of a revocation. */
    report: (view: T['view']) => string;
  };
}

interface ListFlags extends GatewayFlags {
  tenant?: string;
  /** One of commander's choices. */
  status?: CredentialStatus;
  pageSize?: number;
  pageToken?: string;
}

interface RotateFlags extends GatewayFlags {
  grace?: number;
}

/** Adds what every credential is created with: `--name`, `--tenant` and the repeatable `--scope`. */
export function addCredentialOptions<T extends CredentialShapes>(command: Command, kind: CredentialKind<T>): Command {
  const help = kind.create;
  return command
    .requiredOption('--name <name>', help.name)
    .requiredOption('--tenant <tenant>', help.tenant)
    .option('--scope <scopes>', help.scope, collectScopes);
}

/** Builds `<kind> list`. */
export function credentialListCommand<T extends CredentialShapes>(ctx: CliContext, kind: CredentialKind<T>): Command {
  const { plural, singular } = kind;
  const command = new Command('list')
    .description(kind.list.description)
    .option('--tenant <tenant>', `only ${plural} of this tenant`)
    .addOption(new Option('--status <status>', `only ${plural} with this status`).choices(['active', 'revoked']))
    .option('--page-size <n>', `${plural} per page (1-500, default 100)`, positiveInteger(`${plural} per page`, 500))
    .option('--page-token <token>', `start after this ${singular} id (the nextPageToken of a previous call)`);
  addGatewayOptions(command, { admin: true }).addHelpText('after', kind.list.examples);
  command.action(async (flags: ListFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const query = { tenant: flags.tenant, status: flags.status, pageSize: flags.pageSize, pageToken: flags.pageToken };
      const page = await kind.list.call(gateway, query);
      if (output.json) printJson(ctx, page);
      else {
        ctx.io.stdout.write(kind.list.format(page));
        if (page.nextPageToken !== undefined) ctx.io.stderr.write(`more ${plural}: add --page-token ${page.nextPageToken}\n`);
      }
      return ExitCodes.OK;
    });
  });
  return command;
}

/** Builds `<kind> rotate <id>`. */
export function credentialRotateCommand<T extends CredentialShapes>(ctx: CliContext, kind: CredentialKind<T>): Command {
  const command = new Command('rotate')
    .description(kind.rotate.description)
    .argument(...kind.idArgument)
    .option('--grace <seconds>', kind.rotate.grace, seconds);
  addGatewayOptions(command, { admin: true }).addHelpText('after', kind.rotate.examples);
  command.action(async (id: string, flags: RotateFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const issued = await kind.rotate.call(gateway, id, flags.grace);
      if (output.json) printJson(ctx, issued);
      else {
        const report = kind.rotate.report(issued);
        ctx.io.stdout.write(report.stdout);
        ctx.io.stderr.write(report.stderr);
      }
      return ExitCodes.OK;
    });
  });
  return command;
}

/** Builds `<kind> revoke <id>`. */
export function credentialRevokeCommand<T extends CredentialShapes>(ctx: CliContext, kind: CredentialKind<T>): Command {
  const command = new Command('revoke').description(kind.revoke.description).argument(...kind.idArgument);
  addGatewayOptions(command, { admin: true }).addHelpText('after', kind.revoke.examples);
  command.action(async (id: string, flags: GatewayFlags) => {
    await runGatewayCommand(ctx, flags, async (gateway, output) => {
      const view = await kind.revoke.call(gateway, id);
      return printAnswer(ctx, output, view, kind.revoke.report);
    });
  });
  return command;
}
