/**
 * Starts the orchestrator for `agentmesh serve orchestrator` and `agentmesh
 * up`: loads the workflow folder here, so the files it skipped are printed
 * with their errors where the operator looks, not only logged.
 */
import { statSync } from 'node:fs';
import { Errors } from '../../../protocol/index.js';
import { createOrchestrator, type Orchestrator, type OrchestratorConfigInput, type OrchestratorOptions } from '../../../compose/index.js';
import { loadWorkflowFolder, type WorkflowDefinition } from '../../../orchestrator/index.js';
import type { CliContext } from '../../io/cli-io.js';

/** A listening orchestrator and what its folder gave. */
export interface LaunchedOrchestrator {
  orchestrator: Orchestrator;
  /** The orchestrator agent's URL (`…/agents/orchestrator`). */
  url: string;
  /** The runtime's base URL (health, metrics). */
  baseUrl: string;
  /** The probe listener's URL, when `probePort` is set. */
  probesUrl?: string;
  workflowsDir?: string;
  skipped: Array<{ file: string; message: string }>;
}

/**
 * Loads `config.workflowsDir` (if set), creates the orchestrator with those
 * workflows and listens.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` when the workflow folder is missing.
 */
export async function launchOrchestrator(config: OrchestratorConfigInput, options: Pick<OrchestratorOptions, 'inProcess'> = {}): Promise<LaunchedOrchestrator> {
  const { workflowsDir, ...rest } = config;
  let workflows: WorkflowDefinition[] = [];
  const skipped: LaunchedOrchestrator['skipped'] = [];
  if (workflowsDir !== undefined) {
    if (!isFolder(workflowsDir)) throw Errors.cliWorkflowFolderMissing({ dir: workflowsDir });
    const folder = await loadWorkflowFolder(workflowsDir);
    workflows = folder.workflows;
    for (const { file, error } of folder.errors) skipped.push({ file, message: error.message });
  }
  const orchestrator = await createOrchestrator({ config: rest, workflows, ...options });
  try {
    const { url, baseUrl, probesUrl } = await orchestrator.listen();
    return { orchestrator, url, baseUrl, ...(probesUrl !== undefined && { probesUrl }), ...(workflowsDir !== undefined && { workflowsDir }), skipped };
  } catch (err) {
    await orchestrator.close();
    throw err;
  }
}

/** Prints the registered workflows and the skipped files (stderr, with each file's problems). */
export function printWorkflows(ctx: CliContext, launched: LaunchedOrchestrator, indent = '  '): void {
  const names = launched.orchestrator.workflows.map((w) => w.name);
  const from = launched.workflowsDir !== undefined ? ` from ${launched.workflowsDir}` : '';
  ctx.io.stdout.write(names.length > 0 ? `${indent}workflows${from}: ${names.join(', ')}\n` : `${indent}no workflows registered${from} (run files with: agentmesh workflow run <file.yaml>)\n`);
  for (const { file, message } of launched.skipped) ctx.io.stderr.write(`${indent}skipped ${file}: ${message.split('\n').join(`\n${indent}  `)}\n`);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
