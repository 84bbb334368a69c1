/** `agentmesh tasks watch <url> <taskId>`: SubscribeToTask (A2A §3.1.6). */
import type { Command } from 'commander';
import { agentTaskCommand } from './agent-task-command.js';
import type { CliContext } from '../../io/cli-io.js';
import { addConnectionOptions, runAgentCommand, type ConnectionFlags } from '../../client/connection-options.js';
import { followStream } from '../../io/task-output.js';

const EXAMPLES = `
Examples:
  $ agentmesh tasks watch http://localhost:4200/agents/sales 3f2c…
  $ agentmesh tasks watch http://localhost:4200/agents/sales 3f2c… --json > events.ndjson

Prints the current task, then one line per event, until the task reaches a
terminal or interrupted state. Exit codes as for send (0 completed, 1 failed,
3 input-required). A task that already finished cannot be watched; use tasks get.
`;

/** Builds `tasks watch`. */
export function tasksWatchCommand(ctx: CliContext): Command {
  const command = agentTaskCommand('watch', 'stream the events of a running task until it finishes', 'task');
  addConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (url: string, taskId: string, flags: ConnectionFlags) => {
    await runAgentCommand(ctx, url, flags, ({ client }, output) => followStream(ctx, client.resubscribeTask({ tenant: '', id: taskId }), { ...output, resubscribe: (id: string) => client.resubscribeTask({ tenant: '', id }), readTask: (id: string) => client.getTask({ tenant: '', id, historyLength: 0 }) }));
  });
  return command;
}
