/**
 * `agentmesh workflow show <runId>`: one run (GetTask with its history):
 * state, its top-level steps a page at a time (the orchestrator's `run-steps`
 * skill), the outputs. An orchestrator without that skill (an older one)
 * gives its steps as before: a finished run's from its `steps` artifact, a
 * running one's from the events its history keeps.
 */
import { Command } from 'commander';
import { Task, TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { DEFAULT_STEPS_PAGE, MAX_STEPS_PAGE, RUN_STEPS_SKILL, type StepsPage } from '../../../orchestrator/index.js';
import { Errors, invalidParams } from '../../../protocol/index.js';
import { buildUserMessage } from '../../client/outgoing-message.js';
import type { CliContext } from '../../io/cli-io.js';
import { ExitCodes } from '../../io/exit-codes.js';
import { isTask } from '../../io/task-output.js';
import { addPageOptions, collectPages, type PageFlags } from '../../io/page-options.js';
import { humanStateName } from '../../io/task-state.js';
import { outputsOf, runEventsOf, statusTextOf, stepsPageOf, workflowNameOf } from './workflow-events.js';
import { addWorkflowConnectionOptions, runWorkflowCommand, type WorkflowConnectionFlags } from './workflow-options.js';
import { renderRunBlock } from './workflow-progress-format.js';
import { RunProgress } from './workflow-progress.js';

const EXAMPLES = `
Examples:
  $ agentmesh workflow show 0198c3e2-…
  $ agentmesh workflow show 0198c3e2-… --page-size 50 --page-token <token>
  $ agentmesh workflow show 0198c3e2-… --all --json | jq '.steps | length'
  $ agentmesh workflow show 0198c3e2-… --json | jq '.artifacts'

Steps come a page at a time (${DEFAULT_STEPS_PAGE} by default), in the workflow's order; a
long run says how to ask for the next page. --json prints the task; with
--page-size, --page-token or --all, the page of steps instead.
Exits 0 when the run was read, whatever its state.
`;

type ShowFlags = WorkflowConnectionFlags & PageFlags;

/** Builds `workflow show`. */
export function workflowShowCommand(ctx: CliContext): Command {
  const command = new Command('show').description('show a run: state, steps, outputs').argument('<runId>', 'the run (its task id)');
  addPageOptions(command, { items: 'steps', maxPageSize: MAX_STEPS_PAGE, defaultSize: `default ${DEFAULT_STEPS_PAGE}` });
  addWorkflowConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (runId: string, flags: ShowFlags) => {
    await runWorkflowCommand(ctx, flags, async ({ client }, output) => {
      const paging = flags.pageSize !== undefined || flags.pageToken !== undefined || flags.all === true;
      const task = paging && output.json ? undefined : await client.getTask({ tenant: '', id: runId });
      let page = await readStepsPage(client, runId, flags, flags.pageToken);
      if (page !== undefined && flags.all === true) {
        const first = page;
        const steps = await collectPages(first, {
          items: (p) => p.steps,
          next: async (token) => (await readStepsPage(client, runId, flags, token)) ?? { ...first, steps: [] },
          repeated: (token) => Errors.cliPageTokenRepeated({ peer: 'orchestrator', token }),
          onPage: (collected, _p, n) => ctx.io.stderr.write(`reading steps: ${collected} of ${first.total} after page ${n}\n`),
        });
        page = { runId: first.runId, total: first.total, offset: 0, steps };
      }
      if (output.json) {
        ctx.io.stdout.write(task !== undefined ? `${JSON.stringify(Task.toJSON(task))}\n` : `${JSON.stringify(page ?? null)}\n`);
        return ExitCodes.OK;
      }
      if (task !== undefined) ctx.io.stdout.write(formatRun(task, page));
      if (page?.nextPageToken !== undefined) ctx.io.stderr.write(`more steps: add --page-token ${page.nextPageToken} (or --all)\n`);
      return ExitCodes.OK;
    });
  });
  return command;
}

/**
 * One page of the run's top-level steps, from the orchestrator's `run-steps`
 * skill; undefined when the orchestrator has no such skill (an older one).
 */
async function readStepsPage(client: Client, runId: string, flags: PageFlags, pageToken: string | undefined): Promise<StepsPage | undefined> {
  const message = buildUserMessage({ data: { runId, ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }), ...(pageToken !== undefined && { pageToken }) }, skillId: RUN_STEPS_SKILL });
  try {
    const answer = await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined });
    if (!isTask(answer)) return stepsPageOf(answer);
    // A refusal comes as a failed task (the skill answers with a message only when it has the page).
    if (pageToken !== undefined) throw invalidParams('--page-token', statusTextOf(answer.status?.message) || 'was refused');
    return undefined;
  } catch (err) {
    // Asked for a page by its token, the refusal is the answer (a token this run did not hand out); else no paged read here.
    if (pageToken !== undefined) throw err;
    return undefined;
  }
}

/** A run as text: the task's state and status, its steps (the page given, else what the task tells), and its outputs. */
export function formatRun(task: Task, page?: StepsPage): string {
  const progress = new RunProgress({ workflow: workflowNameOf(task) });
  for (const event of page !== undefined ? runEventsOf(task, page.steps) : runEventsOf(task)) progress.apply(event);
  const state = task.status?.state;
  const field = (label: string, value: string) => `${label.padEnd(10)}${value.split('\n').join(`\n${' '.repeat(10)}`)}\n`;
  let out = field('run', task.id) + field('workflow', progress.run.workflow ?? '') + field('state', humanStateName(state));
  if (task.status?.timestamp) out += field('updated', task.status.timestamp);
  const status = statusTextOf(task.status?.message);
  // A working run's last status is a progress line the steps below already show.
  if (status !== '' && state !== TaskState.TASK_STATE_WORKING) out += field('message', status);
  const steps = renderRunBlock(progress).slice(1);
  if (steps.length > 0) out += `steps\n${steps.join('\n')}\n`;
  if (page !== undefined && page.steps.length < page.total) {
    // Which steps: a later page's rows are not the run's first (an older orchestrator does not say where its page starts).
    const from = page.offset;
    out += field('', from === undefined ? `${page.steps.length} of ${page.total} steps shown` : `steps ${from + 1}–${from + page.steps.length} of ${page.total} shown`);
  }
  const outputs = outputsOf(task.artifacts);
  if (outputs.found) out += `outputs\n${JSON.stringify(outputs.value, null, 2).replace(/^/gm, '  ')}\n`;
  return out;
}
