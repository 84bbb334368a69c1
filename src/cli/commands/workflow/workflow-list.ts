/**
 * `agentmesh workflow list`: the orchestrator's workflow runs (ListTasks,
 * A2A §3.1.4, without its router tasks), most recently updated first.
 */
import { Command } from 'commander';
import { ListTasksResponse, TaskState, type Task } from '@a2a-js/sdk';
import { Errors } from '../../../protocol/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { humanStateName, taskStateOption } from '../../io/task-state.js';
import { positiveInteger } from '../../io/positive-integer.js';
import { isWorkflowRun, workflowNameOf } from './workflow-events.js';
import { addWorkflowConnectionOptions, runWorkflowCommand, type WorkflowConnectionFlags } from './workflow-options.js';

interface ListFlags extends WorkflowConnectionFlags {
  state?: TaskState;
  limit: number;
}

/** A2A §3.1.4 caps one page at 100 tasks. */
const MAX_PAGE_SIZE = 100;
const MAX_LIMIT = 1000;

const EXAMPLES = `
Examples:
  $ agentmesh workflow list
  $ agentmesh workflow list --state failed --limit 5
  $ agentmesh workflow list --json | jq '.tasks[].id'
`;

/** Builds `workflow list`. */
export function workflowListCommand(ctx: CliContext): Command {
  const command = new Command('list')
    .description('list workflow runs: run id, workflow, state, last update')
    .option('--state <state>', 'only runs in this state (working, input-required, completed, failed, canceled)', taskStateOption)
    .option('--limit <n>', `at most this many runs (1-${MAX_LIMIT})`, positiveInteger('runs', MAX_LIMIT), 20);
  addWorkflowConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (flags: ListFlags) => {
    await runWorkflowCommand(ctx, flags, async ({ client, protocol }, output) => {
      if (protocol === '0.3') throw Errors.cliWorkflowListNeeds10({});
      const runs: Task[] = [];
      const seen = new Set<string>();
      let pageToken = '';
      do {
        const page = await client.listTasks({
          tenant: '',
          contextId: '',
          status: flags.state ?? TaskState.TASK_STATE_UNSPECIFIED,
          pageSize: Math.min(MAX_PAGE_SIZE, flags.limit),
          pageToken,
          // The workflow's name sits in the run's first status message; the full history carries it.
          historyLength: undefined,
          statusTimestampAfter: undefined,
        });
        runs.push(...page.tasks.filter(isWorkflowRun));
        // A server that hands back a token twice would loop us forever.
        if (page.nextPageToken !== '' && seen.has(page.nextPageToken)) throw Errors.cliPageTokenRepeated({ peer: 'orchestrator', token: page.nextPageToken });
        seen.add(page.nextPageToken);
        pageToken = page.nextPageToken;
      } while (pageToken !== '' && runs.length < flags.limit);
      const shown = runs.slice(0, flags.limit);
      if (output.json) {
        const response: ListTasksResponse = { tasks: shown, nextPageToken: '', pageSize: shown.length, totalSize: shown.length };
        ctx.io.stdout.write(`${JSON.stringify(ListTasksResponse.toJSON(response))}\n`);
      } else {
        ctx.io.stdout.write(shown.length === 0 ? 'no workflow runs\n' : formatRunTable(shown));
      }
      return ExitCodes.OK;
    });
  });
  return command;
}

/** Runs as an aligned table: run id, workflow, state, updated. */
export function formatRunTable(tasks: readonly Task[]): string {
  const rows = [['RUN ID', 'WORKFLOW', 'STATE', 'UPDATED'], ...tasks.map((t) => [t.id, workflowNameOf(t), humanStateName(t.status?.state), t.status?.timestamp ?? ''])];
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col < 3 ? cell.padEnd(widths[col]! + 2) : cell)).join('').trimEnd() + '\n').join('');
}
