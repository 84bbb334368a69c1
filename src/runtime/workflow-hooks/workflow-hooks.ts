import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCodes, Errors, isAgentmeshError, isRecord, oneOf, stateName } from '../../protocol/index.js';
import type { Logger, Metrics } from '../../observability/index.js';
import type { PushStore, TaskStore } from '../../storage/index.js';
import type { AgentTaskControl } from '../../contracts/agent/index.js';
import type { OutboxAnswer, OutboxKind, OutboxKindRow, OutboxRequest } from '../push/index.js';
import { readEngineAnswer, type EngineAnswer } from './engine-answer.js';
import { LAUNCH_CONFIG_ID, readLaunchConfig, readLaunchEvent, WORKFLOW_HOOK_PROTOCOL, WORKFLOW_METADATA_KEY, type LaunchConfig } from './launch-event.js';
import { signStandardWebhook } from './standard-webhooks.js';
import { WORKFLOW_ENGINES, type WorkflowEngine, type WorkflowHookConfig } from './workflow-hook-config.js';

/** The `type` of a launch's body (Standard Webhooks' `{ type, timestamp, data }` envelope). */
export const LAUNCH_EVENT_TYPE = 'agentmesh.workflow.launch';

/** Where a runtime takes the callbacks of the workflows its agents launched. */
export const CALLBACK_PATH = '/workflow-callbacks';

/** HKDF info of the key that signs callback URLs: no other use of the runtime's secret shares it. */
export const CALLBACK_KEY_INFO = 'workflow-callback v1';

/** Where a launch stands, as the task's `agentmesh.workflow` metadata says. */
export type LaunchPhase = 'launching' | 'launched' | 'completed' | 'failed';

/** The task metadata of a launch (`agentmesh.workflow`). */
export interface LaunchRecord {
  hook: string;
  engine: WorkflowEngine;
  phase: LaunchPhase;
  /** The engine's id of the run it started, when its answer or callback says. */
  executionId?: string;
  /** The engine's word for the run's state (`running`, `CREATED`, `success`…). */
  status?: string;
  /** Why the launch or the run failed. */
  error?: string;
}

/** Options of {@link WorkflowHooks}. */
export interface WorkflowHooksOptions {
  /** The runtime's hooks by name (`workflowHooks`). */
  hooks: Readonly<Record<string, WorkflowHookConfig>>;
  /** Where a launch's config is written (sealed: the hook's URL may be its credential). */
  pushStore: Pick<PushStore, 'putConfig' | 'deleteConfig'>;
  /** The task a launch belongs to: its agent, skill, tenant, and whether it is still live. */
  taskStore: Pick<TaskStore, 'get'>;
  /** Keys of the callback URLs' MACs: the runtime secret's, and the previous one's during a rotation. */
  callbackKeys: { current: Buffer; previous: Buffer | undefined };
  /** Base URL the engines call back at (`workflowCallbackUrl`, else the public URL). */
  callbackBaseUrl: () => string;
  /** Writes to the handed-off tasks (the task engine's TaskControl, known once it exists). */
  tasks: () => AgentTaskControl;
  logger: Logger;
  metrics: Pick<Metrics, 'counter'>;
}

/** What a skill's launch needs of a hook. */
export interface ResolvedHook {
  name: string;
  engine: WorkflowEngine;
  callback: boolean;
}

/** What the task engine's skill contexts use to launch (implemented by {@link WorkflowHooks}). */
export interface WorkflowLauncher {
  /** The hook `name` as `agent` may launch it; `AM_ERR_CONFIG_INVALID` when it may not. */
  resolve(agent: string, name: string): ResolvedHook;
  /** Writes the task's launch config (before the launch event, so the event's outbox row is written with it). */
  register(task: { taskId: string; tenant: string }, hook: ResolvedHook, awaitCallback: boolean): Promise<void>;
}

/** What an engine's callback says (the body of `POST /workflow-callbacks/{taskId}`). */
export interface WorkflowCallback {
  status: 'running' | 'succeeded' | 'failed';
  executionId?: string;
  result?: unknown;
  message?: string;
  error?: string;
}

/**
 * The runtime's workflow hooks: which agent may launch which hook, the
 * outbox kind that delivers a launch (signed with Standard Webhooks, to the
 * hook's current URL, through the push worker's guard, backoff and dead
 * letters), what the engine's answer records on the task, and the signed
 * callback URL through which the engine ends the task. See
 * docs/integrations.md and ADR 0039.
 */
export class WorkflowHooks implements WorkflowLauncher {
  readonly #o: WorkflowHooksOptions;
  readonly #log: Logger;
  readonly #launches: ReturnType<Metrics['counter']>;
  /** The outbox kind of launch rows, for the push worker (`kinds`, by {@link WORKFLOW_HOOK_PROTOCOL}). */
  readonly kind: OutboxKind;

  constructor(options: WorkflowHooksOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'workflow-hooks' });
    this.#launches = options.metrics.counter('agentmesh_runtime_workflow_launches_total', 'Workflow launches settled, by hook and outcome (delivered: the engine took it; failed: given up after the retry window, or refused).', ['hook', 'outcome']);
    this.kind = {
      request: (row) => this.#request(row),
      delivered: (row, answer) => this.#delivered(row, answer),
      dead: (row) => this.#dead(row),
    };
  }

  resolve(agent: string, name: string): ResolvedHook {
    const hook = Object.hasOwn(this.#o.hooks, name) ? this.#o.hooks[name] : undefined;
    if (hook === undefined || (hook.agents !== undefined && !hook.agents.includes(agent))) {
      const known = Object.entries(this.#o.hooks).filter(([, h]) => h.agents === undefined || h.agents.includes(agent)).map(([n]) => n);
      throw Errors.workflowHookUnknown({ hook: JSON.stringify(String(name)), agent, known: known.length === 0 ? 'none' : known.join(', ') });
    }
    return { name, engine: hook.engine, callback: hook.callback };
  }

  async register(task: { taskId: string; tenant: string }, hook: ResolvedHook, awaitCallback: boolean): Promise<void> {
    const config: LaunchConfig = { url: this.#o.hooks[hook.name]!.url, hook: hook.name, awaitCallback };
    await this.#o.pushStore.putConfig({ taskId: task.taskId, id: LAUNCH_CONFIG_ID, tenant: task.tenant, config: JSON.stringify(config), protocol: WORKFLOW_HOOK_PROTOCOL, createdAt: Date.now() });
  }

  /** The URL an engine calls back at to end `taskId`: carries a MAC of the task id, so it opens that task alone. */
  callbackUrl(taskId: string): string {
    return `${this.#o.callbackBaseUrl().replace(/\/+$/, '')}${CALLBACK_PATH}/${encodeURIComponent(taskId)}?sig=${mac(this.#o.callbackKeys.current, taskId)}`;
  }

  /** Whether `sig` is the MAC of `taskId` (under the current secret or, during a rotation, the previous). */
  verifyCallback(taskId: string, sig: string): boolean {
    const given = Buffer.from(sig, 'base64url');
    return [this.#o.callbackKeys.current, this.#o.callbackKeys.previous].some((key) => {
      if (key === undefined) return false;
      const expected = Buffer.from(mac(key, taskId), 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  /**
   * An engine's callback, its URL already verified: `running` records
   * progress, `succeeded` completes the task with `result`, `failed` fails
   * it with `error`. The task's launch record (metadata) follows. Throws the
   * TaskControl's errors: `AM_ERR_TASK_TERMINAL` once the task has ended,
   * `AM_ERR_PROTOCOL_INVALID_PARAMS` for a result its skill's output schema refuses.
   */
  async callback(taskId: string, body: WorkflowCallback): Promise<{ taskId: string; state: string }> {
    const tasks = this.#o.tasks();
    const task = await tasks.get(taskId);
    // The launch record this runtime wrote on the task, read field by field: task metadata is JSON.
    const stored = task.metadata?.[WORKFLOW_METADATA_KEY];
    const launched = isRecord(stored) ? stored : {};
    const hook = typeof launched['hook'] === 'string' ? launched['hook'] : 'unknown';
    const engine = oneOf(WORKFLOW_ENGINES, launched['engine']) ?? 'generic';
    const storedExecutionId = launched['executionId'];
    const executionId = body.executionId ?? (typeof storedExecutionId === 'string' ? storedExecutionId : undefined);
    const base = { hook, engine, ...(executionId !== undefined && { executionId }) };
    let written;
    if (body.status === 'running') {
      const record: LaunchRecord = { ...base, phase: 'launched', status: 'running' };
      written = await tasks.progress(taskId, body.message ?? describe(record), { taskMetadata: { [WORKFLOW_METADATA_KEY]: record } });
    } else if (body.status === 'succeeded') {
      const record: LaunchRecord = { ...base, phase: 'completed', status: 'succeeded' };
      try {
        written = await tasks.complete(taskId, body.result, { message: body.message ?? describe(record), taskMetadata: { [WORKFLOW_METADATA_KEY]: record } });
      } catch (err) {
        // The engine's result breaks the skill's output schema: the engine's to fix, so a 400 naming it.
        if (isAgentmeshError(err) && err.code === ErrorCodes.TASK_INVALID_AGENT_RESPONSE) throw Errors.workflowResultInvalid({ problem: err.message });
        throw err;
      }
    } else {
      const error = body.error ?? body.message ?? 'the workflow reported a failure';
      const record: LaunchRecord = { ...base, phase: 'failed', status: 'failed', error };
      written = await tasks.fail(taskId, `The ${hook} workflow failed${executionId === undefined ? '' : ` (${engine} execution ${executionId})`}: ${error}`, { taskMetadata: { [WORKFLOW_METADATA_KEY]: record } });
    }
    return { taskId, state: stateName(written.status!.state) };
  }

  async #request(row: OutboxKindRow): Promise<OutboxRequest | { refused: string } | undefined> {
    const launch = readLaunchConfig(row.config);
    if (launch === undefined) return { refused: 'unusable workflow launch config' };
    const event = readLaunchEvent(row.event);
    // The launch's config sees the task's other events too: they go nowhere.
    if (event === undefined || event.hook !== launch.hook) return undefined;
    const hook = Object.hasOwn(this.#o.hooks, launch.hook) ? this.#o.hooks[launch.hook] : undefined;
    if (hook === undefined) return { refused: `workflow hook ${launch.hook} is no longer configured` };
    const task = await this.#o.taskStore.get(row.taskId);
    // Canceled (or pruned) before the engine took it: no run for a task nobody waits for.
    if (task === undefined || task.terminal) return undefined;
    const body = JSON.stringify({
      type: LAUNCH_EVENT_TYPE,
      timestamp: event.timestamp,
      data: {
        hook: launch.hook,
        engine: hook.engine,
        taskId: row.taskId,
        contextId: event.contextId,
        agent: task.agent,
        skill: task.skill,
        tenant: task.tenant,
        ...(launch.awaitCallback && { callbackUrl: this.callbackUrl(row.taskId) }),
        payload: event.payload,
      },
    });
    // The same id on every attempt of this launch: the engine de-duplicates on it (Standard Webhooks).
    const signed = signStandardWebhook({ id: `msg_${row.taskId}`, now: row.now, body, secrets: hook.secrets });
    return { url: hook.url, headers: { 'content-type': 'application/json', ...signed }, body: Buffer.from(body, 'utf8') };
  }

  async #delivered(row: OutboxKindRow, answer: OutboxAnswer): Promise<void> {
    const launch = readLaunchConfig(row.config)!;
    const engine = this.#o.hooks[launch.hook]?.engine ?? 'generic';
    this.#launches.inc({ hook: launch.hook, outcome: 'delivered' });
    // Launched: the task's later events need no row of this config.
    await this.#o.pushStore.deleteConfig(row.taskId, row.configId);
    const found: EngineAnswer = readEngineAnswer(answer.body, answer.contentType);
    const tasks = this.#o.tasks();
    if (launch.awaitCallback) {
      const record: LaunchRecord = { hook: launch.hook, engine, phase: 'launched', ...found };
      await this.#settleQuietly(row.taskId, () => tasks.progress(row.taskId, describe(record), { taskMetadata: { [WORKFLOW_METADATA_KEY]: record } }));
      return;
    }
    const record: LaunchRecord = { hook: launch.hook, engine, phase: 'completed', ...found };
    const result = { hook: launch.hook, engine, ...found };
    await this.#settleQuietly(row.taskId, async () => {
      try {
        await tasks.complete(row.taskId, result, { message: describe(record), taskMetadata: { [WORKFLOW_METADATA_KEY]: record } });
      } catch (err) {
        if (!isAgentmeshError(err) || err.code !== ErrorCodes.TASK_INVALID_AGENT_RESPONSE) throw err;
        // The skill's output schema does not take a launch record: the launch went out, the task says why it cannot end well.
        await tasks.fail(row.taskId, `The ${launch.hook} workflow was launched, but ${err.message}`, { taskMetadata: { [WORKFLOW_METADATA_KEY]: record } });
      }
    });
  }

  async #dead(row: { taskId: string; configId: string; config: string | undefined; error: string }): Promise<void> {
    const launch = row.config === undefined ? undefined : readLaunchConfig(row.config);
    const hook = launch?.hook ?? 'unknown';
    this.#launches.inc({ hook, outcome: 'failed' });
    await this.#o.pushStore.deleteConfig(row.taskId, row.configId);
    const record: LaunchRecord = { hook, engine: this.#o.hooks[hook]?.engine ?? 'generic', phase: 'failed', error: row.error };
    const tasks = this.#o.tasks();
    await this.#settleQuietly(row.taskId, () => tasks.fail(row.taskId, `The ${hook} workflow could not be launched: ${row.error}`, { taskMetadata: { [WORKFLOW_METADATA_KEY]: record } }));
  }

  /** A write to the launch's task that the engine's callback may have made moot (it ended the task first). */
  async #settleQuietly(taskId: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (isAgentmeshError(err) && (err.code === ErrorCodes.TASK_TERMINAL || err.code === ErrorCodes.TASK_NOT_FOUND)) {
        this.#log.debug({ taskId, code: err.code }, 'launch outcome not recorded: the task ended first');
        return;
      }
      throw err;
    }
  }
}

/** The status text of a launch record: "Launched the followups workflow (n8n execution 42, running); waiting for its callback". */
function describe(record: LaunchRecord): string {
  const about = [record.executionId === undefined ? undefined : `${record.engine} execution ${record.executionId}`, record.phase === 'failed' ? undefined : record.status].filter((x) => x !== undefined);
  const run = about.length === 0 ? '' : ` (${about.join(', ')})`;
  switch (record.phase) {
    case 'launching':
      return `Launching the ${record.hook} workflow`;
    case 'launched':
      return `Launched the ${record.hook} workflow${run}; waiting for its callback`;
    case 'completed':
      return record.status === 'succeeded' ? `The ${record.hook} workflow succeeded${record.executionId === undefined ? '' : ` (${record.engine} execution ${record.executionId})`}` : `Launched the ${record.hook} workflow${run}`;
    case 'failed':
      return `The ${record.hook} workflow failed${run}${record.error === undefined ? '' : `: ${record.error}`}`;
  }
}

function mac(key: Buffer, taskId: string): string {
  return createHmac('sha256', key).update(`${CALLBACK_KEY_INFO}\n${taskId}`).digest('base64url');
}
