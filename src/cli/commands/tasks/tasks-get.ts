/** `agentmesh tasks get <url> <taskId>`: GetTask (A2A §3.1.3). */
import { InvalidArgumentError, type Command } from 'commander';
import { agentTaskCommand } from './agent-task-command.js';
import type { CliContext } from '../../io/cli-io.js';
import { addConnectionOptions, runAgentCommand, type ConnectionFlags } from '../../client/connection-options.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printTask } from '../../io/task-output.js';

interface GetFlags extends ConnectionFlags {
  history?: number;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const EXAMPLES = `
Examples:
  $ agentmesh tasks get http://localhost:4200/agents/sales 3f2c…
  $ agentmesh tasks get http://localhost:4200/agents/sales 3f2c… --history 10
  $ agentmesh tasks get http://localhost:4200/agents/sales 3f2c… --json | jq .status.state

Exits 0 when the task was read, whatever its state.
`;

/** Builds `tasks get`. */
export function tasksGetCommand(ctx: CliContext): Command {
  const command = agentTaskCommand('get', 'show a task: state, status message, artifacts', 'task')
    .option('--history <n>', 'also show the last n messages of the history', nonNegativeInteger);
  addConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (url: string, taskId: string, flags: GetFlags) => {
    await runAgentCommand(ctx, url, flags, async ({ client }, output) => {
      const task = await client.getTask({ tenant: '', id: taskId, historyLength: flags.history });
      printTask(ctx, task, { ...output, history: flags.history !== undefined });
      return ExitCodes.OK;
    });
  });
  return command;
}
