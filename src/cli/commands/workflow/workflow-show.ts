/**
 * `agentmesh workflow show <runId>`: one run (GetTask with its history):
 * state, each top-level step, the outputs. A finished run's steps come from
 * its `steps` artifact; a running one's from the events its history keeps
 * (the run's start, failures, questions).
 */
import { Command } from 'commander';
import { Task, TaskState } from '@a2a-js/sdk';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { humanStateName } from '../../io/task-state.js';
import { outputsOf, runEventsOf, statusTextOf, workflowNameOf } from './workflow-events.js';
import { addWorkflowConnectionOptions, runWorkflowCommand, type WorkflowConnectionFlags } from './workflow-options.js';
import { renderRunBlock } from './workflow-progress-format.js';
import { RunProgress } from './workflow-progress.js';

const EXAMPLES = `
Examples:
  $ agentmesh workflow show 0198c3e2-…
  $ agentmesh workflow show 0198c3e2-… --json | jq '.artifacts'

Exits 0 when the run was read, whatever its state.
`;

/** Builds `workflow show`. */
export function workflowShowCommand(ctx: CliContext): Command {
  const command = new Command('show').description('show a run: state, steps, outputs').argument('<runId>', 'the run (its task id)');
  addWorkflowConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (runId: string, flags: WorkflowConnectionFlags) => {
    await runWorkflowCommand(ctx, flags, async ({ client }, output) => {
      const task = await client.getTask({ tenant: '', id: runId });
      ctx.io.stdout.write(output.json ? `${JSON.stringify(Task.toJSON(task))}\n` : formatRun(task));
      return ExitCodes.OK;
    });
  });
  return command;
}

/** A run as text: the task's state and status, its steps, and its outputs. */
export function formatRun(task: Task): string {
  const progress = new RunProgress({ workflow: workflowNameOf(task) });
  for (const event of runEventsOf(task)) progress.apply(event);
  const state = task.status?.state;
  const field = (label: string, value: string) => `${label.padEnd(10)}${value.split('\n').join(`\n${' '.repeat(10)}`)}\n`;
  let out = field('run', task.id) + field('workflow', progress.run.workflow ?? '') + field('state', humanStateName(state));
  if (task.status?.timestamp) out += field('updated', task.status.timestamp);
  const status = statusTextOf(task.status?.message);
  // A working run's last status is a progress line the steps below already show.
  if (status !== '' && state !== TaskState.TASK_STATE_WORKING) out += field('message', status);
  const steps = renderRunBlock(progress).slice(1);
  if (steps.length > 0) out += `steps\n${steps.join('\n')}\n`;
  const outputs = outputsOf(task.artifacts);
  if (outputs.found) out += `outputs\n${JSON.stringify(outputs.value, null, 2).replace(/^/gm, '  ')}\n`;
  return out;
}
