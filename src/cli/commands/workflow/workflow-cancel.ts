/** `agentmesh workflow cancel <runId>`: CancelTask on the run's task; the orchestrator cancels its child tasks. */
import { Command } from 'commander';
import { Task, TaskState } from '@a2a-js/sdk';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { statusTextOf } from './workflow-events.js';
import { humanStateName } from '../../io/task-state.js';
import { addWorkflowConnectionOptions, runWorkflowCommand, type WorkflowConnectionFlags } from './workflow-options.js';

const EXAMPLES = `
Examples:
  $ agentmesh workflow cancel 0198c3e2-…
  $ agentmesh workflow cancel 0198c3e2-… --agent-url http://localhost:4300/agents/orchestrator --json

Exits 0 once the run is canceled (again: harmless). A run that completed or
failed refuses with TASK_NOT_CANCELABLE (exit 1). Its steps in flight are
canceled and refunded.
`;

/** Builds `workflow cancel`. */
export function workflowCancelCommand(ctx: CliContext): Command {
  const command = new Command('cancel').description('cancel a run and the agent tasks it has in flight').argument('<runId>', 'the run to cancel');
  addWorkflowConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (runId: string, flags: WorkflowConnectionFlags) => {
    await runWorkflowCommand(ctx, flags, async ({ client }, output, where) => {
      const task = await client.cancelTask({ tenant: '', id: runId, metadata: undefined });
      const state = task.status?.state;
      if (output.json) {
        ctx.io.stdout.write(`${JSON.stringify(Task.toJSON(task))}\n`);
      } else if (state === TaskState.TASK_STATE_CANCELED) {
        ctx.io.stdout.write(`run ${runId} canceled; continue it later with: agentmesh workflow resume ${runId}${where.locator}\n`);
      } else {
        const status = statusTextOf(task.status?.message);
        ctx.io.stdout.write(`run ${runId}: ${humanStateName(state)}${status ? `: ${status}` : ''}\n`);
      }
      return state === TaskState.TASK_STATE_CANCELED ? ExitCodes.OK : ExitCodes.FAILURE;
    });
  });
  return command;
}
