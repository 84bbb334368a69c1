/** `agentmesh agents list`: registered agents with filters, one page or all of them. */
import { Command, Option } from 'commander';
import type { AgentListQuery } from '../../../contracts/registry/index.js';
import type { WireAgentRecord } from '../../role-apis/registry-client.js';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { addRegistryOptions, printJson, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { formatAgentTable } from './agents-render.js';

interface ListFlags extends RegistryFlags {
  department?: string;
  tag?: string;
  skill?: string;
  status?: string;
  tenant?: string;
  health?: string;
  pageSize?: number;
  pageToken?: string;
  all?: boolean;
}

/** Pages a terminal prints; the registry serves up to 1,000 (for gateways loading everything). */
const MAX_PAGE_SIZE = 100;

const EXAMPLES = `
Examples:
  $ agentmesh agents list --department sales --health healthy
  $ agentmesh agents list
  $ agentmesh agents list --tag scoring --all --json > agents.json

Filters are exact and case-insensitive, and combine (AND). Without --all one
page is printed and the token of the next one goes to stderr.
`;

/** Builds `agents list`. */
export function agentsListCommand(ctx: CliContext): Command {
  const command = new Command('list')
    .description('list registered agents: name, status, health, department, version')
    .option('--department <name>', 'only agents of this department')
    .option('--tag <tag>', 'only agents with this tag (skill tags and metadata tags)')
    .option('--skill <id>', 'only agents with this skill id')
    .addOption(new Option('--status <status>', 'only agents with this status').choices(['active', 'deprecated', 'disabled']))
    .option('--tenant <tenant>', 'only agents open to this tenant')
    .addOption(new Option('--health <health>', 'only agents with this health').choices(['healthy', 'degraded', 'down', 'unknown']))
    .option('--page-size <n>', `agents per page (1-${MAX_PAGE_SIZE}, default 50)`, positiveInteger('agents per page', MAX_PAGE_SIZE))
    .option('--page-token <token>', 'start from this page (the nextPageToken of a previous call)')
    .option('--all', 'follow nextPageToken until every page is fetched');
  addRegistryOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (flags: ListFlags) => {
    await runRegistryCommand(ctx, flags, async (registry, output) => {
      const query: AgentListQuery = {
        department: flags.department,
        tag: flags.tag,
        skill: flags.skill,
        status: flags.status,
        tenant: flags.tenant,
        health: flags.health,
        pageSize: flags.pageSize,
        pageToken: flags.pageToken,
      };
      let page = await registry.listAgents(query);
      if (flags.all !== true) {
        if (output.json) printJson(ctx, page);
        else ctx.io.stdout.write(formatAgentTable(page.agents));
        if (page.nextPageToken && !output.json) ctx.io.stderr.write(`more agents (${page.totalSize} in all): add --page-token ${page.nextPageToken} (or --all)\n`);
        return ExitCodes.OK;
      }
      const agents: WireAgentRecord[] = [...page.agents];
      const seen = new Set<string>();
      while (page.nextPageToken) {
        // A registry that hands back a token twice would loop us forever.
        if (seen.has(page.nextPageToken)) throw Errors.cliRegistryPageTokenRepeated({ token: page.nextPageToken });
        seen.add(page.nextPageToken);
        page = await registry.listAgents({ ...query, pageToken: page.nextPageToken });
        agents.push(...page.agents);
      }
      if (output.json) printJson(ctx, { agents, totalSize: agents.length });
      else ctx.io.stdout.write(formatAgentTable(agents));
      return ExitCodes.OK;
    });
  });
  return command;
}
