/** `agentmesh workflow …`: run, follow and manage the orchestrator's workflow runs (docs/workflows.md). */
import { Command } from 'commander';
import type { CliContext } from '../../io/cli-io.js';
import { withSubcommands } from '../command-group.js';
import { workflowCancelCommand } from './workflow-cancel.js';
import { workflowListCommand } from './workflow-list.js';
import { workflowResumeCommand } from './workflow-resume.js';
import { workflowRunCommand } from './workflow-run.js';
import { workflowShowCommand } from './workflow-show.js';

/** Builds the `workflow` group: run, list, show, cancel, resume. */
export function workflowCommand(ctx: CliContext): Command {
  return withSubcommands(new Command('workflow').description('run workflows on the orchestrator and follow, list, show, cancel and resume their runs'), {
    commands: [workflowRunCommand(ctx), workflowListCommand(ctx), workflowShowCommand(ctx), workflowCancelCommand(ctx), workflowResumeCommand(ctx)],
    helpAfter: `
Examples:
  $ agentmesh workflow run workflows/lookalike-campaign.yaml --input leadIds='["lead-001"]'
  $ agentmesh workflow list --state failed
  $ agentmesh workflow show 0198c3e2-…
  $ agentmesh workflow resume 0198c3e2-…

The orchestrator is reached through the gateway (--gateway, else $AGENTMESH_GATEWAY, else where the
agentmesh up of this folder listens, else http://localhost:4200; at /agents/orchestrator) unless
--agent-url names it.
`,
  });
}
