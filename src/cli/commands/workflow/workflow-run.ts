/**
 * `agentmesh workflow run <file.yaml|name>`: runs a workflow file (sent to
 * the orchestrator's `run-workflow` skill) or a workflow registered on the
 * orchestrator (its own skill), and follows it live.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { Command } from 'commander';
import { isAgentmeshError, Errors, errorMessage } from '../../../protocol/index.js';
import { RUN_WORKFLOW_SKILL, parseWorkflow, validateWorkflowInputs, type WorkflowDefinition } from '../../../orchestrator/index.js';
import type { CliContext } from '../../io/cli-io.js';
import { buildUserMessage } from '../../client/outgoing-message.js';
import { collectValues } from '../clients/clients-options.js';
import { collectWorkflowInputs } from './workflow-inputs.js';
import { startAndFollow, type LiveRunFlags } from './workflow-live.js';
import { addWorkflowConnectionOptions } from './workflow-options.js';
import { RunProgress } from './workflow-progress.js';

interface RunFlags extends LiveRunFlags {
  input?: string[];
  inputsJson?: string;
}

/** A registered workflow's name: what the orchestrator accepts as a skill id. */
const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const FILE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

const EXAMPLES = `
Examples:
  $ agentmesh workflow run workflows/lookalike-campaign.yaml --input leadIds='["lead-001","lead-002"]' --input campaign=spring
  $ agentmesh workflow run lookalike-campaign --inputs-json @inputs.json        # a workflow registered on the orchestrator
  $ agentmesh workflow run flow.yaml --input leads=@leads.json --answer EMEA --json > run.json
  $ agentmesh workflow run flow.yaml --agent-url http://localhost:4300/agents/orchestrator

Inputs: --input key=value reads numbers, true/false and JSON lists/objects as such (a [ or {
that is not JSON is refused: quote its strings, 'ids=["a","b"]'), anything else as text (kept
as text when the workflow declares the input a string); key=@file.json reads a JSON file;
--inputs-json takes an object, --input pairs go over it.

Progress goes to stderr (redrawn in place on a terminal, one line per event otherwise); the
outputs go to stdout as JSON (--json: the final task). Ctrl-C cancels the run.
Exit codes: 0 completed, 1 failed or canceled, 2 bad usage (nothing sent),
3 waiting for input nobody gave (the command that answers is printed).
`;

/** Builds `workflow run`. */
export function workflowRunCommand(ctx: CliContext): Command {
  const command = new Command('run')
    .description('run a workflow file or a registered workflow and follow its progress')
    .argument('<workflow>', 'a workflow file (.yaml, .yml, .json), or the name of a workflow registered on the orchestrator')
    .option('--input <key=value>', 'one input (repeatable); key=@file.json reads JSON from a file', collectValues)
    .option('--inputs-json <json>', 'all inputs as a JSON object, or @file.json')
    .option('--answer <text>', 'answer to the next question the run asks (repeatable, used in order)', collectValues);
  addWorkflowConnectionOptions(command).addHelpText('after', EXAMPLES);

  command.action(async (target: string, flags: RunFlags) => {
    // Everything local is read and checked before the orchestrator hears of it.
    const workflow = await readWorkflowTarget(target);
    const declared = workflow.kind === 'file' ? workflow.definition.inputs : undefined;
    const inputs = await collectWorkflowInputs({ ...(flags.input && { input: flags.input }), ...(flags.inputsJson !== undefined && { inputsJson: flags.inputsJson }), ...(declared && { declared }) });
    if (workflow.kind === 'file') {
      try {
        validateWorkflowInputs(workflow.definition, inputs);
      } catch (err) {
        throw Errors.usageRefused({ reason: isAgentmeshError(err) ? err.message : String(err) }, { cause: err });
      }
    }
    const message =
      workflow.kind === 'file'
        ? buildUserMessage({ data: { workflow: workflow.text, inputs }, skillId: RUN_WORKFLOW_SKILL })
        : buildUserMessage({ data: inputs, skillId: workflow.name });
    const progress =
      workflow.kind === 'file'
        ? new RunProgress({ workflow: workflow.definition.name, steps: workflow.definition.steps.map((s) => ({ id: s.id, kind: s.kind })) })
        : new RunProgress({ workflow: workflow.name });
    await startAndFollow(ctx, flags, message, progress);
  });
  return command;
}

type WorkflowTarget = { kind: 'file'; path: string; text: string; definition: WorkflowDefinition } | { kind: 'registered'; name: string };

/**
 * A path to an existing file is a workflow file; a bare name with no such
 * file is a registered workflow; anything else that looks like a path is a
 * missing file.
 */
async function readWorkflowTarget(target: string): Promise<WorkflowTarget> {
  const path = resolve(target);
  if (existsSync(path)) {
    if (!statSync(path).isFile()) throw Errors.cliWorkflowIsFolder({ path });
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw Errors.cliWorkflowUnreadable({ path, reason: errorMessage(err) }, { cause: err });
    }
    try {
      return { kind: 'file', path, text, definition: parseWorkflow(text, { source: target }) };
    } catch (err) {
      // The loader's message lists every problem as file:line:column path: message.
      throw Errors.usageRefused({ reason: isAgentmeshError(err) ? err.message : String(err) }, { cause: err });
    }
  }
  if (WORKFLOW_NAME.test(target) && !FILE_EXTENSIONS.has(extname(target).toLowerCase())) return { kind: 'registered', name: target };
  throw Errors.cliWorkflowMissing({ path });
}
