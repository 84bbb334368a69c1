/** `agentmesh tasks cancel <url> <taskId>`: CancelTask (A2A §3.1.5). */
import type { Command } from 'commander';
import { agentTaskCommand } from './agent-task-command.js';
import type { CliContext } from '../../io/cli-io.js';
import { addConnectionOptions, runAgentCommand, type ConnectionFlags } from '../../client/connection-options.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { printTask } from '../../io/task-output.js';

const EXAMPLES = `
Examples:
  $ agentmesh tasks cancel http://localhost:4200/agents/sales 3f2c…
  $ agentmesh tasks cancel http://localhost:4200/agents/sales 3f2c… --json

Exits 0 when the agent accepted the cancellation; a task that already finished
fails with TASK_NOT_CANCELABLE (exit 1).
`;

/** Builds `tasks cancel`. */
export function tasksCancelCommand(ctx: CliContext): Command {
  const command = agentTaskCommand('cancel', 'ask the agent to cancel a running task', 'task');
  addConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (url: string, taskId: string, flags: ConnectionFlags) => {
    await runAgentCommand(ctx, url, flags, async ({ client }, output) => {
      printTask(ctx, await client.cancelTask({ tenant: '', id: taskId, metadata: undefined }), output);
      return ExitCodes.OK;
    });
  });
  return command;
}
