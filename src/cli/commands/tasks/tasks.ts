/** `agentmesh tasks …`: the task operations of A2A §3.1.3–3.1.6 against any agent. */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { tasksCancelCommand } from './tasks-cancel.js';
import { tasksGetCommand } from './tasks-get.js';
import { tasksListCommand } from './tasks-list.js';
import { tasksWatchCommand } from './tasks-watch.js';

/** Builds the `tasks` group: get, list, cancel, watch. */
export function tasksCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('tasks').description('inspect, list, cancel and follow tasks of an A2A agent'), {
    commands: [tasksGetCommand(ctx), tasksListCommand(ctx), tasksCancelCommand(ctx), tasksWatchCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh tasks list http://localhost:4200/agents/sales --state working
  $ agentmesh tasks get http://localhost:4200/agents/sales 3f2c…
  $ agentmesh tasks watch http://localhost:4200/agents/sales 3f2c…
  $ agentmesh tasks cancel http://localhost:4200/agents/sales 3f2c…
`,
  });
}
