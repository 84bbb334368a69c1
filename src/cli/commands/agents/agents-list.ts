/** `agentmesh agents list`: registered agents with filters, one page or all of them. */
import { Command, Option } from 'commander';
import type { AgentListQuery } from '../../../contracts/registry/index.js';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { addRegistryOptions, printAnswer, printJson, runRegistryCommand, type RegistryFlags } from './agents-options.js';
import { addPageOptions, collectPages, type PageFlags } from '../../io/page-options.js';
import { formatAgentTable } from './agents-render.js';

interface ListFlags extends RegistryFlags, PageFlags {
  department?: string;
  tag?: string;
  skill?: string;
  status?: string;
  tenant?: string;
  health?: string;
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
    .addOption(new Option('--health <health>', 'only agents with this health').choices(['healthy', 'degraded', 'down', 'unknown']));
  addPageOptions(command, { items: 'agents', maxPageSize: MAX_PAGE_SIZE, defaultSize: 'default 50' });
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
      const page = await registry.listAgents(query);
      if (flags.all !== true) {
        if (output.json) printJson(ctx, page);
        else ctx.io.stdout.write(formatAgentTable(page.agents));
        if (page.nextPageToken && !output.json) ctx.io.stderr.write(`more agents (${page.totalSize} in all): add --page-token ${page.nextPageToken} (or --all)\n`);
        return ExitCodes.OK;
      }
      const agents = await collectPages(page, {
        items: (p) => p.agents,
        next: (pageToken) => registry.listAgents({ ...query, pageToken }),
        repeated: (token) => Errors.cliRegistryPageTokenRepeated({ token }),
      });
      return printAnswer(ctx, output, { agents, totalSize: agents.length }, () => formatAgentTable(agents));
    });
  });
  return command;
}
