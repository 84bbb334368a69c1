import { defineAgent, type AgentDefinition, type SkillContext, type DynamicSkillDefinition } from '../contracts/agent/index.js';
import { Errors, isRecord } from '../protocol/index.js';
import type { RunHost } from './engine/run-execution.js';
import type { RunStart, WorkflowEngine } from './engine/workflow-engine.js';
import { MAX_STEPS_PAGE, OUTPUTS_ARTIFACT, ROUTE_SKILL, RUN_EVENT_KEY, RUN_STEPS_SKILL, RUN_WORKFLOW_SKILL, STEPS_ARTIFACT, type RunEvent } from './run-events.js';
import { parseWorkflow, parseWorkflowObject, validateWorkflowInputs, workflowInputSchema, workflowOutline } from './workflow/index.js';
import type { WorkflowDefinition } from './workflow/workflow-definition.js';

export interface OrchestratorAgentOptions {
  name: string;
  description?: string;
  engine: WorkflowEngine;
  /** Workflows offered as skills (skill id = workflow name). */
  workflows: readonly WorkflowDefinition[];
  /** The router's skill (the default skill); absent = no routing. */
  routeSkill?: DynamicSkillDefinition;
  /** Longest a workflow run may take. */
  runTimeoutMs: number;
  /**
   * The tenant runs are made for when the caller has none (a call straight to
   * the orchestrator, no gateway in front). Unset: such calls are refused, so
   * nobody who bypasses the gateway spends a tenant's credits.
   */
  anonymousTenant?: string;
  /**
   * Checked before a run starts: throws when the workflow names an agent the
   * mesh does not have, so nothing runs (and nothing is charged) for a run
   * that would fail at that step.
   */
  checkAgents?: (workflow: WorkflowDefinition) => Promise<void>;
}

/** What `run-workflow` takes. */
interface RunWorkflowInput {
  workflow?: unknown;
  inputs?: Record<string, unknown>;
  resumeFrom?: string;
}

/**
 * The orchestrator as an A2A agent: `route` hands messages to the best agent,
 * `run-workflow` runs a workflow sent in the message, and every registered
 * workflow is a skill of its own. Workflow skills are idempotent: a task
 * re-run after a crash resumes its run from the step records.
 */
export function createOrchestratorAgent(options: OrchestratorAgentOptions): AgentDefinition {
  const skills: Record<string, DynamicSkillDefinition> = {};
  // Each workflow's outline of steps goes to the registry with its skill: the console draws it before any run.
  const skillMetadata: Record<string, { workflow: Record<string, unknown> }> = {};
  if (options.routeSkill) skills[ROUTE_SKILL] = options.routeSkill;
  skills[RUN_WORKFLOW_SKILL] = {
    name: 'Run a workflow',
    description: 'Runs a workflow sent in the message (YAML or JSON text, or a definition object) with its inputs, or resumes a failed run with { resumeFrom: runId }.',
    tags: ['workflow', 'orchestration'],
    examples: ['{"workflow": "name: demo\\nsteps: …", "inputs": {"leadIds": ["lead-001"]}}', '{"resumeFrom": "<run id>"}'],
    input: {
      type: 'object',
      additionalProperties: false,
      properties: { workflow: { type: ['string', 'object'] }, inputs: { type: 'object' }, resumeFrom: { type: 'string', minLength: 1, maxLength: 100 } },
      oneOf: [{ required: ['workflow'] }, { required: ['resumeFrom'] }],
    },
    idempotent: true,
    timeoutMs: options.runTimeoutMs,
    handler: async (input: RunWorkflowInput, ctx: SkillContext) => {
      let start: RunStart;
      if (input.resumeFrom !== undefined) {
        start = { resumeFrom: input.resumeFrom };
      } else {
        const definition = typeof input.workflow === 'string' ? parseWorkflow(input.workflow, { source: '<message>' }) : parseWorkflowObject(input.workflow, { source: '<message>' });
        start = { definition, inputs: validateWorkflowInputs(definition, input.inputs ?? {}) };
        await options.checkAgents?.(definition);
      }
      return finish(ctx, options.engine, () => options.engine.run(hostOf(ctx, options.anonymousTenant), start));
    },
  };
  skills[RUN_STEPS_SKILL] = {
    name: "Read a run's steps",
    description: "Reads a run's top-level steps a page at a time, in the workflow's order: { runId, pageSize?, pageToken? } answers { runId, steps, total, offset, nextPageToken? }.",
    tags: ['workflow'],
    examples: ['{"runId": "<run id>", "pageSize": 100}'],
    input: {
      type: 'object',
      additionalProperties: false,
      required: ['runId'],
      properties: { runId: { type: 'string', minLength: 1, maxLength: 100 }, pageSize: { type: 'integer', minimum: 1, maximum: MAX_STEPS_PAGE }, pageToken: { type: 'string', maxLength: 512 } },
    },
    // A read: answered with a message, no task stored (and none listed among the runs).
    messageReplies: true,
    handler: async (input: { runId: string; pageSize?: number; pageToken?: string }, ctx: SkillContext) => {
      const tenant = ctx.tenant || options.anonymousTenant;
      if (!tenant) throw Errors.workflowNeedsTenant({});
      const page = await options.engine.stepsPage(input.runId, tenant, { ...(input.pageSize !== undefined && { pageSize: input.pageSize }), ...(input.pageToken !== undefined && { pageToken: input.pageToken }) });
      return ctx.reply({ data: page });
    },
  };
  for (const workflow of options.workflows) {
    if (skills[workflow.name]) throw Errors.workflowNamedLikeBuiltIn({ workflow: workflow.name, source: String(workflow.source) });
    const outline = workflowOutline(workflow);
    if (outline !== undefined) skillMetadata[workflow.name] = { workflow: outline };
    skills[workflow.name] = {
      name: workflow.name,
      description: workflow.description ?? `Runs the workflow ${workflow.name}`,
      tags: ['workflow', ...(workflow.tags ?? [])],
      examples: [],
      // Text messages are accepted too: a workflow whose inputs all have defaults runs from "go".
      input: { oneOf: [workflowInputSchema(workflow), { type: 'string' }] },
      idempotent: true,
      timeoutMs: options.runTimeoutMs,
      handler: async (input: Record<string, unknown> | string, ctx: SkillContext) => {
        const inputs = validateWorkflowInputs(workflow, typeof input === 'string' ? {} : input);
        await options.checkAgents?.(workflow);
        return finish(ctx, options.engine, () => options.engine.run(hostOf(ctx, options.anonymousTenant), { definition: workflow, inputs }));
      },
    };
  }
  return defineAgent({
    card: {
      name: options.name,
      description: options.description ?? 'Routes each request to the best agent in the mesh and runs durable multi-agent workflows (sequence, parallel, map, fallback).',
      version: '1.0.0',
    },
    skills,
    defaultSkill: options.routeSkill ? ROUTE_SKILL : RUN_WORKFLOW_SKILL,
    registry: { department: 'platform', tags: ['orchestrator', 'router', 'workflow'], ...(Object.keys(skillMetadata).length > 0 && { skills: skillMetadata }) },
  });
}

/**
 * How the router starts a workflow it routed a request to (docs/orchestrator.md#routing): the
 * run is the router task's own work, exactly as the workflow's skill runs
 * it, with the message's data part as the inputs (text alone: the inputs'
 * defaults; a missing required input fails with the inputs' error).
 */
export function workflowStarter(options: Pick<OrchestratorAgentOptions, 'engine' | 'workflows' | 'anonymousTenant' | 'checkAgents'>): (name: string, ctx: SkillContext) => Promise<unknown> {
  const byName = new Map(options.workflows.map((w) => [w.name, w]));
  return async (name, ctx) => {
    const workflow = byName.get(name);
    if (workflow === undefined) throw Errors.workflowNotOffered({ workflow: name });
    const data = ctx.message.parts.find((p) => p.content?.$case === 'data');
    const value: unknown = data?.content?.$case === 'data' ? data.content.value : undefined;
    const given = isRecord(value) ? value : {};
    const inputs = validateWorkflowInputs(workflow, given);
    await options.checkAgents?.(workflow);
    return finish(ctx, options.engine, () => options.engine.run(hostOf(ctx, options.anonymousTenant), { definition: workflow, inputs }));
  };
}

/** Run events worth keeping in the task's history; the steps' own are summed up by the `steps` artifact. */
const KEPT_IN_HISTORY: ReadonlySet<RunEvent['type']> = new Set(['run.started', 'step.failed', 'step.input-required', 'step.awaiting-approval', 'run.completed', 'run.failed']);

/** The engine's view of the A2A task running the workflow. */
function hostOf(ctx: SkillContext, anonymousTenant: string | undefined): RunHost {
  const tenant = ctx.tenant || anonymousTenant;
  if (!tenant) {
    throw Errors.workflowNeedsTenant({});
  }
  return {
    runId: ctx.taskId,
    // An authenticated caller's scopes bound what the run may do through the gateway.
    // Its calls go through the gateway with a token exchanged for the caller's (never stored with the run).
    onBehalfOf: { tenant, ...(ctx.caller.id ? { subject: ctx.caller.id } : {}), ...(ctx.caller.authenticated ? { scopes: ctx.caller.scopes } : {}), ...(ctx.caller.subjectToken !== undefined && { subjectToken: ctx.caller.subjectToken }) },
    traceparent: ctx.traceparent,
    signal: ctx.signal,
    // Step starts and ends stream but stay out of the task's history: a 1,000-step run would otherwise carry 2,000 messages.
    emit: (event, text) => ctx.progress(text, { [RUN_EVENT_KEY]: event }, { history: KEPT_IN_HISTORY.has(event.type) }),
    requestInput: (question, data) => ctx.requestInput(question, data),
    detached: () => ctx.detached,
  };
}

/**
 * Runs the workflow, then reports: the `steps` artifact whatever the end (a
 * run that failed still shows how far it got), and the outputs as the
 * `outputs` artifact (a data part needs an object: other values are wrapped).
 */
async function finish(ctx: SkillContext, engine: WorkflowEngine, run: () => Promise<unknown>): Promise<undefined> {
  let outputs: unknown;
  try {
    outputs = await run();
  } finally {
    if (!ctx.signal.aborted) {
      const steps = await engine.summary(ctx.taskId).catch(() => undefined);
      if (steps && steps.length > 0) ctx.artifact({ name: STEPS_ARTIFACT, parts: [{ data: { steps } }] });
    }
  }
  const data = typeof outputs === 'object' && outputs !== null && !Array.isArray(outputs) ? outputs : { value: outputs ?? null };
  ctx.artifact({ name: OUTPUTS_ARTIFACT, parts: [{ data }] });
  return undefined;
}
