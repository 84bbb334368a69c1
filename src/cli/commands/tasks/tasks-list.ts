/** `agentmesh tasks list <url>`: ListTasks (A2A §3.1.4), one page or all of them. */
import type { Command } from 'commander';
import { agentTaskCommand } from './agent-task-command.js';
import { ListTasksResponse, TaskState, type ListTasksRequest, type Task } from '@a2a-js/sdk';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { addConnectionOptions, runAgentCommand, type ConnectionFlags } from '../../client/connection-options.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { formatTaskTable } from '../../io/render-human.js';
import { taskStateOption } from '../../io/task-state.js';
import { addPageOptions, collectPages, type PageFlags } from '../../io/page-options.js';

interface ListFlags extends ConnectionFlags, PageFlags {
  context?: string;
  state?: TaskState;
}

/** A2A §3.1.4 caps pageSize at 100. */
const MAX_PAGE_SIZE = 100;

const EXAMPLES = `
Examples:
  $ agentmesh tasks list http://localhost:4200/agents/sales
  $ agentmesh tasks list http://localhost:4200/agents/sales --state input-required --context 9a1e…
  $ agentmesh tasks list http://localhost:4200/agents/sales --all --json > tasks.json

Tasks come most recently updated first. Without --all one page is printed and
the token of the next one goes to stderr. Needs A2A 1.0: v0.3 has no tasks/list.
`;

/** Builds `tasks list`. */
export function tasksListCommand(ctx: CliContext): Command {
  const command = agentTaskCommand('list', 'list tasks: id, state, last update, context', 'agent')
    .option('--context <id>', 'only tasks of this context')
    .option('--state <state>', 'only tasks in this state (working, input-required, completed, …)', taskStateOption);
  addPageOptions(command, { items: 'tasks', maxPageSize: MAX_PAGE_SIZE, defaultSize: "default: the agent's", allNote: ' (progress on stderr)' });
  addConnectionOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (url: string, flags: ListFlags) => {
    await runAgentCommand(ctx, url, flags, async ({ client, protocol }, output) => {
      if (protocol === '0.3') {
        throw Errors.cliTasksListNeeds10({});
      }
      const request = (pageToken: string): ListTasksRequest => ({
        tenant: '',
        contextId: flags.context ?? '',
        status: flags.state ?? TaskState.TASK_STATE_UNSPECIFIED,
        pageSize: flags.pageSize,
        pageToken,
        statusTimestampAfter: undefined,
      });

      const page = await client.listTasks(request(flags.pageToken ?? ''));
      if (flags.all !== true) {
        ctx.io.stdout.write(output.json ? `${JSON.stringify(ListTasksResponse.toJSON(page))}\n` : renderTable(page.tasks));
        if (page.nextPageToken !== '' && !output.json) ctx.io.stderr.write(`more tasks: add --page-token ${page.nextPageToken} (or --all)\n`);
        return ExitCodes.OK;
      }

      const tasks = await collectPages(page, {
        items: (p) => p.tasks,
        next: (pageToken) => client.listTasks(request(pageToken)),
        repeated: (token) => Errors.cliPageTokenRepeated({ peer: 'agent', token }),
        onPage: (collected, p, n) => ctx.io.stderr.write(`listing tasks: ${collected}${p.totalSize ? ` of ${p.totalSize}` : ''} after page ${n}\n`),
      });
      const all: ListTasksResponse = { tasks, nextPageToken: '', pageSize: tasks.length, totalSize: tasks.length };
      ctx.io.stdout.write(output.json ? `${JSON.stringify(ListTasksResponse.toJSON(all))}\n` : renderTable(tasks));
      return ExitCodes.OK;
    });
  });
  return command;
}

function renderTable(tasks: readonly Task[]): string {
  return tasks.length === 0 ? 'no tasks\n' : formatTaskTable(tasks);
}
