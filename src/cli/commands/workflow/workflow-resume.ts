/**
 * `agentmesh workflow resume <runId>`: starts a new run that continues a
 * failed or canceled one from its last completed step (`run-workflow` with
 * `{ resumeFrom }`), and follows it like `workflow run`.
 */
import { Command } from 'commander';
import { RUN_WORKFLOW_SKILL } from '../../../orchestrator/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { buildUserMessage } from '../../client/outgoing-message.js';
import { collectValues } from '../clients/clients-options.js';
import { startAndFollow, type LiveRunFlags } from './workflow-live.js';
import { addWorkflowConnectionOptions } from './workflow-options.js';
import { RunProgress } from './workflow-progress.js';

const EXAMPLES = `
Examples:
  $ agentmesh workflow resume 0198c3e2-…
  $ agentmesh workflow resume 0198c3e2-… --answer EMEA --json

The new run has its own id; steps the earlier run completed are not called again
(they show as "done earlier"). A completed run has nothing to resume; a run waiting
for input is answered with agentmesh send --task, not resumed.
`;

/** Builds `workflow resume`. */
export function workflowResumeCommand(ctx: CliContext): Command {
  const command = new Command('resume')
    .description('continue a failed or canceled run from its last completed step, as a new run')
    .argument('<runId>', 'the run to continue')
    .option('--answer <text>', 'answer to the next question the run asks (repeatable, used in order)', collectValues);
  addWorkflowConnectionOptions(command).addHelpText('after', EXAMPLES);
  command.action(async (runId: string, flags: LiveRunFlags) => {
    const message = buildUserMessage({ data: { resumeFrom: runId }, skillId: RUN_WORKFLOW_SKILL });
    await startAndFollow(ctx, flags, message, new RunProgress(), (newRunId) => ctx.io.stderr.write(`resuming run ${runId} as run ${newRunId}\n`));
  });
  return command;
}
