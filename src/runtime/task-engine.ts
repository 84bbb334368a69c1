import type { StreamResponse } from '@a2a-js/sdk';
import { Message, Role, Task, TaskState } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { SpanKind, SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { annotateRequestSpan, ATTR_A2A_AGENT, ATTR_A2A_SKILL, ATTR_A2A_TASK_ID, ATTR_AGENTMESH_TENANT, invokeAgentAttributes, invokeAgentSpanName, tokenUsageAttributes, type RecentTraces } from '../observability/index.js';
import { EphemeralMap, MessageAlreadyStarted, uuidv7 } from '../storage/index.js';
import { ErrorCodes, isAgentmeshError, notUserRoleError, skillInputError, skillInputOf, stateName, Errors } from '../protocol/index.js';
import type { Bus, ReplicaHeartbeat, ReplicaRecord, TaskRecord, TaskStore } from '../storage/index.js';
import { ConcurrencyLimit, type Reservation } from './concurrency-limit.js';
import { isMessageReply, type AgentDefinition, type CompiledSkill, type MessageReply, type TaskMessageContext } from '../contracts/agent/index.js';
import { selectSkill } from './select-skill.js';
import { isRetryOf, messageFingerprint } from './message-retry.js';
import { TaskControl } from './task-control.js';
import { createSkillContext } from './skill-context-impl.js';
import type { CallInfo } from './call-info.js';
import type { RetryOnlyClaim } from '../protocol/index.js';
import type { CallerIdentity } from '../contracts/agent/index.js';
import { TaskRun, type TaskRunDeps } from './task-run.js';
import { CANCEL_TOPIC, cancelTask, replicaTopic, writeTask } from './task-writes.js';
import { statusEvent, wrap } from './task-events.js';
import { forwardToOwner, type MessageControl, type ResumeControl } from './forward-to-owner.js';
import { HeartbeatWatch, type StaleHeartbeat } from './heartbeat-watch.js';
import { HostsSeen } from './replica-hosts.js';
import type { WorkflowLauncher } from './workflow-hooks/index.js';

export { agentMessage, statusEvent, textPart } from './task-events.js';

/** Options of {@link TaskEngine}. */
export interface TaskEngineOptions {
  agents: ReadonlyMap<string, AgentDefinition>;
  store: TaskStore;
  bus: Bus;
  logger: Logger;
  replicaId: string;
  maxConcurrentTasks: number;
  queueLimit: number;
  skillTimeoutMs: number;
  /** A new message repeating a messageId joins the task it started (config `dedupeMessageIds`). Default: true. */
  dedupeMessageIds?: boolean;
  now?: () => number;
  /**
   * The clock the heartbeat watch measures a lease with (ADR 0086). Default: monotonic
   * (`performance.now`), so a wall clock stepped (NTP) neither shortens nor stretches a lease.
   */
  watchNow?: () => number;
  /** The active config of an agent (frozen); skills see it as `ctx.config`. Default: `{}`. */
  configOf?: (agent: string) => Readonly<Record<string, unknown>>;
  onTaskSettled?: (agent: string, skill: string, state: TaskState, seconds: number) => void;
  /** A handler answered with a message and no task (ADR 0034), after `seconds`. */
  onReplied?: (agent: string, skill: string, seconds: number) => void;
  /** Records an INTERNAL span per skill execution; only given when spans are exported (no cost otherwise). */
  tracer?: Tracer | undefined;
  /** The skill span is OpenTelemetry's GenAI `invoke_agent {agent}` (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental). */
  genAiSpans?: boolean | undefined;
  /** Where each skill span is kept by task id, so the task's push deliveries join its trace. */
  taskTraces?: RecentTraces | undefined;
  /** The runtime's workflow hooks, for `ctx.launchWorkflow`. Default: none configured. */
  workflows?: WorkflowLauncher | undefined;
  /** How long a message (an answer) forwarded to the replica running its task may wait for that replica to take it, ms (config `answerConfirmMs`). */
  answerConfirmMs?: number | undefined;
}

/** Default of {@link TaskEngineOptions.answerConfirmMs}: long enough for a write under load, short of a client's patience. */
const DEFAULT_ANSWER_CONFIRM_MS = 10_000;

/** Options of {@link TaskEngine.recover}. */
export interface RecoverOptions {
  /** Idempotent tasks this replica cannot run are failed once neither written nor hosted by a replica seen since. Unset: never. */
  giveUpBefore?: number;
  /**
   * A heartbeat row watched unchanged this long (ms) is deleted: every crash leaves one, read by every
   * round of every replica. Its tasks, if any are left, are then orphans without a row. Unset: kept.
   */
  forgetSilentAfterMs?: number;
  /**
   * Called each round with the other replicas judged silent, when there are
   * any: what they hold beside their tasks (push claims) is released with it.
   * A failure is logged; the round goes on.
   */
  onSilent?: (silent: readonly ReplicaHeartbeat[]) => Promise<unknown>;
}

/** How an orphan scan tells whether a task this replica cannot run waits for another replica. */
interface LeftToHosts {
  giveUpBefore?: number | undefined;
  /** The replicas seen since `giveUpBefore` and what they host, read at most once a round. */
  hostsSeen?: (() => Promise<HostsSeen>) | undefined;
}

/** Whether an orphaned task this replica cannot run is still left to a replica that can. */
async function waitsForHost(row: TaskRecord, leaving: LeftToHosts): Promise<boolean> {
  if (leaving.giveUpBefore === undefined || !leaving.hostsSeen || row.updatedAt >= leaving.giveUpBefore) return true;
  return (await leaving.hostsSeen()).canRun(row.agent, row.skill);
}

/** How often handler deadlines are checked, ms. */
const SWEEP_MS = 100;
/** `ctx.config` of an agent without a config. */
const NO_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({});

/** Options of {@link TaskEngine.send}. */
export interface SendOptions {
  /** Runs once the task id is known and before the task's first event (e.g. store a push config). */
  beforeStart?: (taskId: string) => Promise<void>;
  /**
   * The caller waits for the answer (a blocking send or a stream) and asks
   * for no push notifications: a skill with `messageReplies` may answer it
   * with a message, its task created only if the handler does anything else
   * (ADR 0034). Otherwise every new message starts a task at once.
   */
  messageReply?: boolean;
  /**
   * What the send asks besides its message that a retry repeats (its inline
   * push config): a key for sends still in flight, and whether the task a
   * repeated messageId started was asked the same (ADR 0046). Without it the
   * send asks nothing more than its message.
   */
  sameRequest?: { key: string; askedOf(taskId: string): Promise<boolean> };
}

/** The outcome of SendMessage when the skill answered with a message: no task exists. */
export interface RepliedMessage {
  reply: Message;
  /** True when this message joined a send of the same messageId still in progress. */
  duplicate: boolean;
}

/** What a send ends in: a task (new or continued), or a message and no task. */
export type SendOutcome = StartedTask | RepliedMessage;

/** The answer a held send waits for (see {@link TaskEngine.send}): the task once written, or the handler's reply. */
interface HeldAnswer {
  settled: boolean;
  resolve(outcome: SendOutcome | Promise<SendOutcome>): void;
  reject(err: unknown): void;
}

/** The outcome of SendMessage: the live run (when it executes here) and the task as of the response. */
export interface StartedTask {
  taskId: string;
  run: TaskRun | undefined;
  /** The row sequence the task was at before this message (stream from here). */
  startSeq: number;
  /** True when this message was a retry of one that already started a task. */
  duplicate: boolean;
  /** True when the message was handed to the replica that owns the task, which wrote it (its log showed it). */
  forwarded?: boolean;
  /** For a continued task: the task as it was when the message arrived (v1 JSON), at `startSeq`. */
  snapshotJson?: string;
}

/** A send being started, kept so that a concurrent retry of it can join it. */
interface StartingSend {
  message: Message;
  /** What else the request asked (an inline push config): a retry asks the same. */
  requestKey: string;
  outcome: Promise<SendOutcome>;
}

/**
 * Executes tasks: creates them, runs skill handlers with their context,
 * resumes tasks waiting for input, cancels (locally or through the bus on the
 * owning replica), and recovers tasks whose replica died.
 */
export class TaskEngine {
  #o: TaskEngineOptions;
  /** Entries live about as long as a request: an EphemeralMap keeps finished runs from being promoted. */
  #runs = new EphemeralMap<TaskRun>();
  #limits = new Map<string, ConcurrencyLimit>();
  #now: () => number;
  #heartbeats = new HeartbeatWatch();
  #watchNow: () => number;
  #unsubscribe: Array<() => void> = [];
  #sweeper: NodeJS.Timeout;
  /**
   * Sends being started, by (agent, tenant, messageId): a concurrent retry joins the first. Several
   * sends may share an id (another message under a reused one), so each is kept with what a retry
   * must repeat; the content is compared only when an id repeats, never hashed on every send.
   */
  #inFlight = new EphemeralMap<StartingSend[]>();
  #deps: TaskRunDeps | undefined;
  /** Tasks whose run stopped on a failed write: still non-terminal and owned here, ended by the next {@link recover}. */
  #unwritten = new Set<string>();
  #controls = new Map<string, TaskControl>();
  /** The recovery round in progress (settled when none is). */
  #recovering: Promise<unknown> = Promise.resolve();
  /** The round to start when the one in progress ends, if one was asked for. */
  #nextRound: Promise<{ failed: number; rerun: number }> | undefined;

  constructor(options: TaskEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#watchNow = options.watchNow ?? (() => performance.now());
    for (const agent of options.agents.values()) {
      this.#limits.set(agent.name, new ConcurrencyLimit({ name: agent.name, max: agent.maxConcurrentTasks ?? options.maxConcurrentTasks, queueLimit: options.queueLimit }));
    }
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
    this.#sweeper.unref();
    this.#unsubscribe.push(
      options.bus.subscribe(CANCEL_TOPIC, (m) => {
        const run = this.#runs.get((m as { taskId?: string }).taskId ?? '');
        // Another replica wrote the cancel: stop the handler and wake whoever waits on this run.
        if (run) run.detach('Task was canceled', { canceled: true });
      }),
      // Control messages for the tasks this replica runs, addressed to it by their owner id.
      options.bus.subscribe(replicaTopic(options.replicaId), (m) => {
        const control = m as { kind?: string; taskId?: string; message?: unknown; tenant?: string; caller?: CallerIdentity; seenSeq?: unknown };
        const run = this.#runs.get(control.taskId ?? '');
        if (!run) return;
        if (control.kind === 'cancel-request') {
          if (!run.closed) void this.#cancelLocal(run).catch((err) => this.#o.logger.warn({ err, taskId: run.id }, 'cancel requested by another replica failed; it writes the cancel itself'));
        } else if (control.kind === 'message') {
          this.#onForwardedMessage(run, control);
        } else if (control.kind === 'resume') {
          // An answer to this replica's input-required task, received on another replica (forward-to-owner.ts):
          // taken only by the question its sender saw, so a copy that comes late cannot answer a later one.
          // One without seenSeq comes from a replica of an earlier version (a rolling upgrade): taken as that version did.
          const { seenSeq } = control;
          const asking = typeof seenSeq === 'number' ? run.waitsForAnswerSeenAt(seenSeq) : run.waitingForInput;
          if (asking && control.message) void this.#resumeLocal(run, Message.fromJSON(control.message)).catch(() => undefined);
        }
      }),
    );
  }

  /** A message for a WORKING task of this replica, received on another one: joins the history, then reaches the skill's onMessage. */
  #onForwardedMessage(run: TaskRun, { message, tenant, caller }: { message?: unknown; tenant?: string; caller?: CallerIdentity }): void {
    if (run.closed || !message) return;
    const agent = this.#o.agents.get(run.agent);
    const skill = run.skill ? agent?.skills.get(run.skill) : undefined;
    if (!agent || !skill) return;
    const userMessage = Message.fromJSON(message);
    void run
      .emit(wrap({ $case: 'message', value: userMessage }))
      .then(async () => {
        const row = await this.#o.store.get(run.id);
        if (row) this.#deliver(agent, skill, row, userMessage, { tenant: tenant ?? run.tenant, caller: caller ?? { authenticated: false, id: '', scopes: [] } });
      })
      .catch(() => undefined);
  }

  /** Runs executing on this replica. */
  get activeRuns(): number {
    return this.#runs.size;
  }

  /** The live run of a task on this replica, if any. */
  localRun(taskId: string): TaskRun | undefined {
    return this.#runs.get(taskId);
  }

  limit(agent: string): ConcurrencyLimit | undefined {
    return this.#limits.get(agent);
  }

  /**
   * Handles a user message: continues the task it names, or starts a new one
   * (or, for a skill with `messageReplies` and `options.messageReply`, lets
   * its handler answer with a message instead). Validation errors are thrown
   * before anything is written.
   */
  async send(agentName: string, message: Message, call: CallInfo, options: SendOptions = {}): Promise<SendOutcome> {
    const agent = this.#agent(agentName);
    if (message.role !== Role.ROLE_USER) throw notUserRoleError();
    // Forwarded by the gateway without a credit hold: a retry, or nothing (ADR 0046, third addendum).
    if (call.retryOnly !== undefined) return this.#retryOnly(agent, message, call, call.retryOnly, options);
    if (message.taskId) return this.#continue(agent, message, call, options);
    // Every message is new when the runtime is told clients reuse messageIds (config `dedupeMessageIds`).
    if (this.#o.dedupeMessageIds === false) return this.#start(agent, message, call, options);
    // The same message arriving again while the first is still being written: answer with that task.
    const idKey = `${agent.name}\u0000${call.tenant}\u0000${message.messageId}`;
    const requestKey = options.sameRequest?.key ?? '';
    const racing = this.#inFlight.get(idKey);
    const same = racing?.find((other) => isSameSend(other, message, requestKey));
    if (same) return { ...(await same.outcome), duplicate: true };
    const starting: StartingSend = { message, requestKey, outcome: this.#start(agent, message, call, options) };
    if (racing) racing.push(starting);
    else this.#inFlight.set(idKey, [starting]);
    try {
      return await starting.outcome;
    } finally {
      const sends = this.#inFlight.get(idKey);
      const left = sends?.filter((other) => other !== starting) ?? [];
      if (left.length > 0) this.#inFlight.set(idKey, left);
      else this.#inFlight.delete(idKey);
    }
  }

  /**
   * A call the gateway forwarded without holding credit for it, because the
   * tenant is short and the messageId was charged (or is held) already: it is
   * answered as a retry (joining the same send still in progress, or with the
   * task the messageId started, under the rules of {@link #isRetry}) and
   * otherwise refused as short of credit, the refusal the gateway gives a call
   * it cannot hold. Nothing starts: no task, no handler, no message answer.
   * A follow-up (taskId), another messageId than the claim's, or de-duplication
   * turned off is never a retry.
   */
  async #retryOnly(agent: AgentDefinition, message: Message, call: CallInfo, claim: RetryOnlyClaim, options: SendOptions): Promise<SendOutcome> {
    const refusal = () => Errors.insufficientCredits({ tenant: call.tenant, balance: claim.balance, needed: claim.needed });
    if (message.taskId || message.messageId !== claim.messageId || this.#o.dedupeMessageIds === false) throw refusal();
    const requestKey = options.sameRequest?.key ?? '';
    const same = this.#inFlight.get(`${agent.name}\u0000${call.tenant}\u0000${message.messageId}`)?.find((other) => isSameSend(other, message, requestKey));
    if (same) return { ...(await same.outcome), duplicate: true };
    const existing = await this.#o.store.findByMessage(agent.name, call.tenant, message.messageId, this.#now());
    if (existing && (await this.#isRetry(existing, message, options))) return { taskId: existing.id, run: this.#runs.get(existing.id), startSeq: 0, duplicate: true };
    throw refusal();
  }

  async #start(agent: AgentDefinition, message: Message, call: CallInfo, options: SendOptions): Promise<SendOutcome> {
    const existing = this.#o.dedupeMessageIds === false ? undefined : await this.#o.store.findByMessage(agent.name, call.tenant, message.messageId, this.#now());
    if (existing && (await this.#isRetry(existing, message, options))) return { taskId: existing.id, run: this.#runs.get(existing.id), startSeq: 0, duplicate: true };
    const skill = selectSkill(agent, message);
    const input = skillInput(skill, message);
    const limit = this.#limits.get(agent.name)!;
    // Held across the wait for beforeStart: requests arriving meanwhile count this task.
    const reservation = limit.reserve();
    try {
      // Found and not a retry: another message under a reused id (ADR 0046), which the claim would refuse.
      return await this.#create(agent, skill, input, message, call, options, limit, reservation, existing !== undefined);
    } catch (err) {
      reservation.cancel();
      if (err instanceof MessageAlreadyStarted) return this.#startedMeanwhile(agent, skill, input, message, call, options, err);
      throw err;
    }
  }

  /**
   * The create was refused: another replica started a task of this messageId
   * since the lookup above (it served the client's retry while this one was
   * stopped between the two). This task was never written and its handler is
   * stopped; the send is answered with that task when it is a retry of it, and
   * otherwise, another message under a reused id (ADR 0046), creates its own
   * without claiming the id.
   */
  async #startedMeanwhile(agent: AgentDefinition, skill: CompiledSkill, input: unknown, message: Message, call: CallInfo, options: SendOptions, refused: MessageAlreadyStarted): Promise<SendOutcome> {
    this.#o.logger.info({ messageId: message.messageId, taskId: refused.taskId }, 'this message started a task on another replica meanwhile');
    // A repeat is compared with the newest task of its id, as the lookup before the create would have.
    const existing = await this.#o.store.findByMessage(agent.name, call.tenant, message.messageId, this.#now());
    if (existing && (await this.#isRetry(existing, message, options))) return { taskId: existing.id, run: this.#runs.get(existing.id), startSeq: 0, duplicate: true };
    const limit = this.#limits.get(agent.name)!;
    const reservation = limit.reserve();
    try {
      return await this.#create(agent, skill, input, message, call, options, limit, reservation, true);
    } catch (err) {
      reservation.cancel();
      throw err;
    }
  }

  /**
   * Whether a message repeating the messageId that started `existing` is a
   * retry of that send (ADR 0046): the same message, asking the same, and the
   * task not continued nor canceled since. Otherwise it is a new message.
   */
  async #isRetry(existing: TaskRecord, message: Message, options: SendOptions): Promise<boolean> {
    if (!isRetryOf(message, Task.fromJSON(JSON.parse(existing.snapshot)))) return false;
    return options.sameRequest === undefined ? true : options.sameRequest.askedOf(existing.id);
  }

  /** Writes a new task's first event and starts its handler, which takes the reserved place. */
  async #create(agent: AgentDefinition, skill: CompiledSkill, input: unknown, message: Message, call: CallInfo, options: SendOptions, limit: ConcurrencyLimit, reservation: Reservation, messageIdReused = false): Promise<SendOutcome> {
    const now = new Date(this.#now()).toISOString();
    const taskId = uuidv7();
    const contextId = message.contextId || uuidv7();
    const userMessage: Message = { ...message, taskId, contextId };
    const task: Task = {
      id: taskId,
      contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now },
      artifacts: [],
      history: [userMessage],
      // A delegated call's task names who it was for and through whom (the console's task view shows it, ADR 0036).
      metadata: call.caller.actors === undefined ? { skillId: skill.id } : { skillId: skill.id, [DELEGATION_METADATA_KEY]: { caller: call.caller.id, actors: call.caller.actors } },
    };
    const run = new TaskRun(
      { task, agent: agent.name, tenant: call.tenant, skill: skill.id, messageId: message.messageId, idempotent: skill.definition.idempotent === true, ...(messageIdReused ? { messageIdReused: true } : {}) },
      this.#runDeps(),
    );
    // Before the first event: a push config sent with the message must see every event.
    if (options.beforeStart) {
      await options.beforeStart(taskId);
      run.markPushConfigured();
    }
    this.#runs.set(taskId, run);
    if (options.messageReply === true && skill.definition.messageReplies === true && !options.beforeStart) {
      return this.#createOnFirstEvent(run, agent, skill, input, userMessage, call, limit, reservation);
    }
    this.#traceTask(taskId);
    // emit() serializes the event at once, so the live task object can be the payload.
    const created = run.emit(wrap({ $case: 'task', value: task }));
    void this.#execute(run, agent, skill, input, userMessage, call, limit, reservation);
    await created;
    return { taskId, run, startSeq: 0, duplicate: false };
  }

  /**
   * A skill that may answer with a message (ADR 0034): its handler runs
   * before its task exists. The task's first events (the task, then WORKING,
   * as {@link #create} and {@link #execute} write them) are written just
   * before the handler's first event of its own — progress, an artifact, a
   * question, a hand-off, its result, its failure — and the send resolves
   * with the task then, or with the message the handler replies with first.
   */
  #createOnFirstEvent(run: TaskRun, agent: AgentDefinition, skill: CompiledSkill, input: unknown, message: Message, call: CallInfo, limit: ConcurrencyLimit, reservation: Reservation): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve, reject) => {
      const held: HeldAnswer = { settled: false, resolve, reject };
      run.holdCreation(() => {
        held.settled = true;
        this.#traceTask(run.id);
        const created = run.emit(wrap({ $case: 'task', value: run.task }));
        void run.emit(statusEvent(run.task, TaskState.TASK_STATE_WORKING, undefined, this.#now()));
        resolve(created.then(() => ({ taskId: run.id, run, startSeq: 0, duplicate: false })));
      });
      void this.#execute(run, agent, skill, input, message, call, limit, reservation, held);
    });
  }

  /** The handler replied before its task was created: the caller gets the message (with the usage reported), and nothing is written. */
  #answerWithMessage(run: TaskRun, reply: MessageReply, held: HeldAnswer): void {
    const usage = run.usage;
    const message = usage === undefined ? reply.message : { ...reply.message, metadata: { ...reply.message.metadata, [USAGE_KEY]: usage } };
    run.dropCreation();
    held.settled = true;
    held.resolve({ reply: message, duplicate: false });
  }

  /**
   * Cancels a task wherever it runs; returns the task row afterwards. The
   * replica running it cancels it itself (asked over the bus), so a handler
   * writing every millisecond cannot make the cancel lose a version race;
   * when no owner answers in time (it died, the bus is down), the cancel is
   * written from here, retried with jittered backoff against the handler's
   * writes, and the owner told to stop.
   */
  async cancel(agentName: string, taskId: string, call: CallInfo): Promise<TaskRecord> {
    this.#agent(agentName);
    const local = this.#runs.get(taskId);
    if (local && local.tenant === call.tenant && local.agent === agentName && !local.closed) {
      try {
        await this.#cancelLocal(local);
        return (await this.#o.store.get(taskId))!;
      } catch (err) {
        // The run's write failed: another replica moved the task on (took it over, ended it), or a
        // write before the cancel failed. Its version is no answer to the client: the cancel is made
        // on the fresh row as for any task no run here holds (the canceled task, or not cancelable).
        this.#o.logger.info({ err, taskId }, 'the cancel written by the task run failed; writing it on the fresh row');
      }
    }
    return cancelTask(this.#runDeps(), taskId, () => this.getVisible(agentName, taskId, call));
  }

  /** Cancels a run of this replica: the CANCELED write joins its write queue, then the handler is stopped. */
  async #cancelLocal(run: TaskRun): Promise<void> {
    await run.finish(TaskState.TASK_STATE_CANCELED, 'Task was canceled');
    run.abort(Errors.taskCanceled({}));
  }

  /** The task row if it exists and belongs to this agent and tenant; TaskNotFound otherwise (A2A §3.3.2: no existence leak). */
  async getVisible(agentName: string, taskId: string, call: CallInfo): Promise<TaskRecord> {
    const row = await this.#o.store.get(taskId, call.tenant);
    if (!row || row.agent !== agentName || row.tenant !== call.tenant) {
      throw Errors.taskNotFound({ taskId });
    }
    return row;
  }

  /**
   * Fails (or re-runs, for idempotent skills) tasks whose owner replica
   * stopped heartbeating: its heartbeat has stayed the same for `leaseMs` as
   * this replica watched it round after round ({@link HeartbeatWatch}; a
   * replica just started takes over nothing before it has watched for a
   * lease), or its row is gone. An idempotent task whose skill
   * is not hosted here is left to a replica that hosts it: failed only once
   * neither it was written nor such a replica heartbeat since `giveUpBefore`
   * (never, without it; ADR 0080).
   */
  recover(leaseMs: number, options: RecoverOptions = {}): Promise<{ failed: number; rerun: number }> {
    // One round at a time: two rounds overlapping (a slow database makes a round outlast the timer)
    // could both find a task no run holds yet and both take it. A round asked for while one runs
    // starts when it ends, to see what changed since; calls meanwhile join that one (a stuck round
    // queues one more, not one per tick).
    if (this.#nextRound) return this.#nextRound;
    const round = this.#recovering.then(() => {
      this.#nextRound = undefined;
      return this.#recoverRound(leaseMs, options);
    });
    this.#nextRound = round;
    this.#recovering = round.catch(() => undefined);
    return round;
  }

  /**
   * Reads every heartbeat for the watch, taking nothing over: a replica watches from its start, before
   * its first round (which runs in the background), so a replica that died before it started is judged
   * silent a lease after the start, whenever that round reads.
   */
  async watchHeartbeats(): Promise<void> {
    await this.#readHeartbeats(Number.POSITIVE_INFINITY);
  }

  /** Every heartbeat row, and those the watch judges stale for `leaseMs`. */
  async #readHeartbeats(leaseMs: number): Promise<{ rows: ReplicaRecord[]; stale: StaleHeartbeat[] }> {
    let rows: ReplicaRecord[];
    try {
      rows = await this.#o.store.replicasSeen(Number.MIN_SAFE_INTEGER);
    } catch (err) {
      this.#heartbeats.forget();
      throw err;
    }
    return { rows, stale: this.#heartbeats.stale(rows, this.#watchNow(), leaseMs) };
  }

  async #recoverRound(leaseMs: number, options: RecoverOptions): Promise<{ failed: number; rerun: number }> {
    let { failed, rerun } = await this.#recoverUnwritten();
    const { rows, stale } = await this.#readHeartbeats(leaseMs);
    const { giveUpBefore, forgetSilentAfterMs, onSilent } = options;
    const others = stale.filter((s) => s.id !== this.#o.replicaId);
    if (onSilent !== undefined && others.length > 0) {
      await onSilent(others).catch((err: unknown) => this.#o.logger.warn({ err, replicas: others.map((s) => s.id) }, 'releasing what silent replicas hold failed; their leases run out instead'));
    }
    // Built once a round from the rows read, and only when a task this replica cannot run has waited past the bound.
    let seen: HostsSeen | undefined;
    const hostsSeen = giveUpBefore === undefined ? undefined : async () => (seen ??= new HostsSeen(rows.filter((r) => r.heartbeatAt >= giveUpBefore)));
    // Paged by id, so rows this replica leaves (other agents' idempotent tasks) never hide the rest.
    let afterId = '';
    for (let page = 0; page < 100; page++) {
      const orphans = await this.#o.store.orphans(stale, 100, afterId);
      if (orphans.length === 0) break;
      afterId = orphans[orphans.length - 1]!.id;
      const outcome = await this.#recoverPage(orphans, { giveUpBefore, hostsSeen });
      failed += outcome.failed;
      rerun += outcome.rerun;
    }
    if (forgetSilentAfterMs !== undefined) {
      for (const gone of stale) {
        // Only while the row still holds the heartbeat watched: a replica that came back keeps it.
        if (gone.silentMs >= forgetSilentAfterMs && gone.id !== this.#o.replicaId) await this.#o.store.removeReplica(gone.id, gone.heartbeatAt);
      }
    }
    if (failed + rerun > 0) this.#o.logger.warn({ failed, rerun }, 'recovered orphaned tasks');
    return { failed, rerun };
  }

  /**
   * Ends the tasks whose run stopped on a failed write (the database was
   * down, a connection was cut): as recovery would after a crash, failed with
   * a reason or re-run when idempotent. One still unreachable stays for the
   * next round.
   */
  async #recoverUnwritten(): Promise<{ failed: number; rerun: number }> {
    let failed = 0;
    let rerun = 0;
    for (const id of [...this.#unwritten]) {
      // A run of the task still executes here (a re-run, or one whose last write is in flight): it
      // ends the task, or its failed write brings the task back here once it has stopped.
      if (this.#runs.has(id)) continue;
      let row: TaskRecord | undefined;
      try {
        row = await this.#o.store.get(id);
      } catch {
        break; // the database is still unreachable: next round
      }
      if (!row || row.terminal || row.owner !== this.#o.replicaId) {
        this.#unwritten.delete(id);
        continue;
      }
      const outcome = await this.#recoverPage([row], {}, 'the agent lost its database connection while writing it');
      if (outcome.failed + outcome.rerun > 0) this.#unwritten.delete(id);
      failed += outcome.failed;
      rerun += outcome.rerun;
    }
    return { failed, rerun };
  }

  async #recoverPage(orphans: TaskRecord[], leaving: LeftToHosts, cause?: string): Promise<{ failed: number; rerun: number }> {
    let failed = 0;
    let rerun = 0;
    for (const row of orphans) {
      const local = this.#runs.get(row.id);
      if (local !== undefined) {
        // Never a second run of a task beside one executing here: this replica's own rows look
        // orphaned when its heartbeat could not commit, and two runs of one task stop each other's writes.
        if (row.owner === this.#o.replicaId) continue;
        // Rounds never overlap, so the row was read after the write that made this replica its owner:
        // another replica took the task over since (and stopped), and the run here, which has not
        // written since, is stale. It stops before the task is taken back; one handed off writes nothing more.
        if (!local.handedOff) local.detach('another replica took the task over');
      }
      const agent = this.#o.agents.get(row.agent);
      const skill = row.skill ? agent?.skills.get(row.skill) : undefined;
      // An idempotent task this replica cannot run is left for one that hosts its agent (mixed
      // fleets: the orchestrator's workflow runs), paused or cut off for a while included — unless
      // no replica that can run it has been seen for a long time, nor the task written.
      if (row.idempotent && !(agent && skill) && (await waitsForHost(row, leaving))) continue;
      const task = Task.fromJSON(JSON.parse(row.snapshot));
      const run = new TaskRun(
        { task, agent: row.agent, tenant: row.tenant, skill: row.skill, messageId: null, idempotent: row.idempotent, existing: { version: row.version, lastSeq: row.lastSeq } },
        this.#runDeps(),
      );
      try {
        // Idempotent tasks run again, those that were waiting for input too: the skill asks again (an orchestrator's paused run re-attaches to the child that asked).
        // The re-run goes on as working: a client may have seen the task working, and A2A's states
        // have no way back to submitted (docs/reliability.md, "Anomalies found").
        if (agent && skill && row.idempotent) {
          const original = task.history.find((m) => m.role === Role.ROLE_USER);
          if (!original) throw new Error('no user message to re-run');
          await run.emit(statusEvent(task, TaskState.TASK_STATE_WORKING, `Re-running: ${cause ?? `the replica executing this task (${row.owner}) stopped`}`, this.#now()), { owner: this.#o.replicaId });
          this.#runs.set(row.id, run);
          const limit = this.#limits.get(agent.name)!;
          void this.#execute(run, agent, skill, skillInput(skill, original), original, { tenant: row.tenant, caller: { authenticated: false, id: '', scopes: [] } }, limit);
          rerun++;
        } else {
          await run.emit(
            statusEvent(task, TaskState.TASK_STATE_FAILED, `Task was interrupted: ${cause ?? `the agent process executing it (replica ${row.owner}) stopped before it finished`}. Send the request again.`, this.#now()),
            { owner: null },
          );
          failed++;
        }
      } catch (err) {
        // Another replica recovered it first (version conflict), or the write failed: next round.
        this.#o.logger.debug({ err, taskId: row.id }, 'recovery of task skipped');
      }
    }
    return { failed, rerun };
  }

  /**
   * Stops every local run for shutdown: idempotent ones are left to another
   * replica (or the next start) to re-run, the others are failed with a reason.
   * Waits for those FAILED writes at most `deadlineMs`: a write that never
   * settles (a blocked database, a run whose write chain is stuck) must not
   * hold the process past its drain deadline. The tasks abandoned are logged;
   * lease recovery on another replica (or the next start) fails or re-runs them.
   */
  async shutdown(options: { deadlineMs?: number } = {}): Promise<void> {
    clearInterval(this.#sweeper);
    for (const fn of this.#unsubscribe) fn();
    const pending = new Map<string, { agent: string; write: Promise<void> }>();
    for (const run of this.#runs.values()) {
      if (run.closed) continue;
      if (run.idempotent) {
        run.detach('runtime shutting down');
      } else {
        const write = run.finish(TaskState.TASK_STATE_FAILED, 'The agent process shut down before the task finished. Send the request again.')
          .catch(() => undefined)
          .finally(() => pending.delete(run.id));
        pending.set(run.id, { agent: run.agent, write });
        run.abort(Errors.runtimeShuttingDown({}));
      }
    }
    const all = Promise.all([...pending.values()].map((p) => p.write));
    if (options.deadlineMs === undefined) return void (await all);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), options.deadlineMs);
    });
    const outcome = await Promise.race([all, expired]);
    clearTimeout(timer);
    if (outcome === 'expired' && pending.size > 0) {
      const tasks = [...pending].map(([taskId, { agent }]) => ({ taskId, agent }));
      this.#o.logger.error({ tasks, deadlineMs: options.deadlineMs }, `shutdown abandoned ${tasks.length} task(s) whose final write did not finish in time; recovery fails or re-runs them`);
    }
  }

  async #continue(agent: AgentDefinition, message: Message, call: CallInfo, options: SendOptions): Promise<StartedTask> {
    const row = await this.getVisible(agent.name, message.taskId, call);
    if (message.contextId && message.contextId !== row.contextId) {
      throw Errors.taskContextMismatch({ contextId: message.contextId, taskId: row.id, taskContextId: row.contextId }, {
        violations: [{ field: 'message.contextId', description: `does not match the task's contextId ${row.contextId}` }],
      });
    }
    if (row.terminal) {
      throw Errors.taskClosedToMessages({ taskId: row.id, state: row.state });
    }
    const skill = row.skill ? agent.skills.get(row.skill) : undefined;
    if (row.state !== 'TASK_STATE_INPUT_REQUIRED') {
      if (isWorking(row.state) && skill?.definition.acceptsMessagesWhileWorking === true) return this.#acceptWhileWorking(agent, skill, row, message, call, options);
      throw Errors.taskNotWaitingForInput({ taskId: row.id, state: row.state });
    }
    const userMessage: Message = { ...message, contextId: row.contextId };
    await options.beforeStart?.(row.id);
    if (row.owner === null) {
      // Handed off: nobody holds the task; the answer is written here and handed to the skill's onMessage.
      // It answers the question its sender read (the status message that asked), never one asked since.
      const seenQuestion = Task.fromJSON(JSON.parse(row.snapshot)).status?.message?.messageId;
      const before = await this.#writeHandedOff(row.id, (current, task) => {
        if (current.state !== 'TASK_STATE_INPUT_REQUIRED') {
          throw Errors.taskNotWaitingForInput({ taskId: row.id, state: current.state });
        }
        if (task.status?.message?.messageId !== seenQuestion) throw Errors.taskAskedAgain({ taskId: row.id });
        return [wrap({ $case: 'message', value: userMessage }), statusEvent(task, TaskState.TASK_STATE_WORKING, undefined, this.#now())];
      });
      this.#deliver(agent, skill, before, userMessage, call);
      return { taskId: row.id, run: undefined, startSeq: before.lastSeq, duplicate: false, forwarded: true, snapshotJson: before.snapshot };
    }
    const run = this.#runs.get(row.id);
    if (run?.waitsForAnswerSeenAt(row.lastSeq)) {
      await this.#resumeLocal(run, userMessage);
      return { taskId: row.id, run, startSeq: row.lastSeq, duplicate: false, snapshotJson: row.snapshot };
    }
    if (run?.waitingForInput) throw Errors.taskAskedAgain({ taskId: row.id });
    if (run) {
      // It runs here and has not asked yet (or another answer just arrived): forwarding would answer a later question.
      throw Errors.taskNotAskingYet({ taskId: row.id });
    }
    // Owned here with no run here: its process stopped before recovery ran; re-run, it asks again.
    if (row.owner === this.#o.replicaId) throw Errors.taskNotAskingYet({ taskId: row.id });
    // The task waits on another replica: its owner takes the answer, and only the task's log says it did.
    const resume: ResumeControl = { kind: 'resume', taskId: row.id, seenSeq: row.lastSeq, message: Message.toJSON(userMessage) };
    await forwardToOwner({ store: this.#o.store, bus: this.#o.bus, owner: row.owner, taskId: row.id, seenSeq: row.lastSeq, control: resume, messageId: userMessage.messageId, timeoutMs: this.#o.answerConfirmMs ?? DEFAULT_ANSWER_CONFIRM_MS });
    return { taskId: row.id, run: undefined, startSeq: row.lastSeq, duplicate: false, forwarded: true, snapshotJson: row.snapshot };
  }

  /**
   * A message to a WORKING task whose skill accepts them: it joins the task's
   * history through whoever writes the task — the local run, the replica
   * running the handler (over the bus), or here for a handed-off task — and is
   * delivered to the skill's onMessage where it was written.
   */
  async #acceptWhileWorking(agent: AgentDefinition, skill: CompiledSkill, row: TaskRecord, message: Message, call: CallInfo, options: SendOptions): Promise<StartedTask> {
    const userMessage: Message = { ...message, contextId: row.contextId };
    await options.beforeStart?.(row.id);
    const run = this.#runs.get(row.id);
    if (run && !run.closed) {
      await run.emit(wrap({ $case: 'message', value: userMessage }));
      this.#deliver(agent, skill, row, userMessage, call);
      return { taskId: row.id, run, startSeq: row.lastSeq, duplicate: false, snapshotJson: row.snapshot };
    }
    if (row.owner === null) {
      const before = await this.#writeHandedOff(row.id, (current) => {
        if (!isWorking(current.state)) {
          throw Errors.taskMovedMeanwhile({ taskId: row.id, state: current.state });
        }
        return [wrap({ $case: 'message', value: userMessage })];
      });
      this.#deliver(agent, skill, before, userMessage, call);
      return { taskId: row.id, run: undefined, startSeq: before.lastSeq, duplicate: false, forwarded: true, snapshotJson: before.snapshot };
    }
    const control: MessageControl = { kind: 'message', taskId: row.id, message: Message.toJSON(userMessage), tenant: call.tenant, caller: call.caller };
    await forwardToOwner({ store: this.#o.store, bus: this.#o.bus, owner: row.owner, taskId: row.id, seenSeq: row.lastSeq, control, messageId: userMessage.messageId, timeoutMs: this.#o.answerConfirmMs ?? DEFAULT_ANSWER_CONFIRM_MS });
    return { taskId: row.id, run: undefined, startSeq: row.lastSeq, duplicate: false, forwarded: true, snapshotJson: row.snapshot };
  }

  /** A version-checked write to a handed-off task; resolves with the row as the write found it. */
  async #writeHandedOff(taskId: string, build: (row: TaskRecord, task: Task) => StreamResponse[]): Promise<TaskRecord> {
    let before: TaskRecord | undefined;
    await writeTask(
      this.#runDeps(),
      async () => (await this.#o.store.get(taskId))!,
      (current, task) => {
        if (current.terminal) {
          throw Errors.taskClosedToMessages({ taskId, state: current.state });
        }
        if (current.owner !== null) {
          throw Errors.taskTakenUpMeanwhile({ taskId });
        }
        before = current;
        return build(current, task);
      },
    );
    return before!;
  }

  /** Hands a message that joined a task to its skill's onMessage; never fails the sender's request. */
  #deliver(agent: AgentDefinition, skill: CompiledSkill | undefined, row: TaskRecord, message: Message, call: CallInfo): void {
    const onMessage = skill?.definition.onMessage;
    if (!onMessage || !skill) return;
    const log = (call.log ?? this.#o.logger).child({ taskId: row.id, agent: agent.name, skill: skill.id });
    const info: TaskMessageContext = { taskId: row.id, contextId: row.contextId, agent: agent.name, skillId: skill.id, tenant: row.tenant, caller: call.caller, tasks: this.tasks(agent.name), log };
    void (async () => onMessage(message, info))().catch((err) => log.warn({ err }, 'onMessage of the skill failed'));
  }

  /** A TaskControl over this engine's store and bus, limited to one agent's tasks when named. */
  tasks(agent?: string): TaskControl {
    const key = agent ?? '';
    let control = this.#controls.get(key);
    if (!control) {
      control = new TaskControl({
        store: this.#o.store,
        bus: this.#o.bus,
        logger: this.#o.logger,
        replicaId: this.#o.replicaId,
        now: this.#now,
        ...(agent === undefined ? {} : { agent }),
        skillOf: (name, skill) => (skill === null ? undefined : this.#o.agents.get(name)?.skills.get(skill)),
      });
      this.#controls.set(key, control);
    }
    return control;
  }

  /** Resolves once the user's message and the working status are durable. */
  #resumeLocal(run: TaskRun, message: Message): Promise<void> {
    const joined = run.emit(wrap({ $case: 'message', value: message }));
    const working = run.emit(statusEvent(run.task, TaskState.TASK_STATE_WORKING, undefined, this.#now()));
    run.resume(message);
    return Promise.all([joined, working]).then(() => undefined);
  }

  async #execute(run: TaskRun, agent: AgentDefinition, skill: CompiledSkill, input: unknown, message: Message, call: CallInfo, limit: ConcurrencyLimit, reservation?: Reservation, held?: HeldAnswer): Promise<void> {
    const started = this.#now();
    // A new task takes the place it reserved; a recovered one was never refused and takes a slot.
    await (reservation ? reservation.acquire() : limit.acquire());
    let span: Span | undefined;
    let replied = false;
    let stoppedBy: unknown;
    try {
      if (run.closed) return;
      // A held task gets its WORKING status with its creation (#createOnFirstEvent).
      if (held === undefined) void run.emit(statusEvent(run.task, TaskState.TASK_STATE_WORKING, undefined, this.#now()));
      const config = this.#o.configOf?.(agent.name) ?? NO_CONFIG;
      const ctx = createSkillContext({ run, agent: agent.name, skill: skill.id, message, call, logger: call.log ?? this.#o.logger, now: this.#now, config, workflows: this.#o.workflows });
      const timeoutMs = skill.definition.timeoutMs ?? this.#o.skillTimeoutMs;
      // The sweeper (#sweep) stops the run at its deadline: no timer per task.
      run.startClock(timeoutMs);
      span = this.#skillSpan(run, agent, skill, call);
      let handled: unknown;
      try {
        const handler = skill.definition.handler;
        // The handler runs with its span active: the calls it makes (other agents, through tracedFetch) are its children.
        handled = span === undefined ? handler(input as never, ctx) : context.with(trace.setSpan(context.active(), span), () => handler(input as never, ctx));
      } catch (err) {
        handled = Promise.reject(err);
      }
      const output = await Promise.race([handled, run.stopped]);
      // Handed off (ctx.handOff()): the task stays WORKING for other writers; its slot is freed below.
      if (run.closed) return;
      if (isMessageReply(output)) {
        if (held !== undefined && run.creationHeld) {
          this.#answerWithMessage(run, output, held);
          replied = true;
          return;
        }
        // The task exists (or the caller asked for one): the reply is its result.
        const { parts, metadata } = output.message;
        ctx.artifact({ artifactId: `${run.id}-result`, name: 'result', parts, ...(metadata !== undefined && { metadata }) });
      } else if (output !== undefined) {
        if (skill.validateOutput && !skill.validateOutput(output)) {
          const first = skill.validateOutput.errors?.[0];
          throw Errors.skillOutputInvalid({ skill: skill.id, problem: `${first?.instancePath || '(root)'} ${first?.message ?? ''}`.trim() });
        }
        ctx.artifact({ artifactId: `${run.id}-result`, name: 'result', parts: [typeof output === 'string' ? { text: output } : { data: output }] });
      }
      await run.finish(TaskState.TASK_STATE_COMPLETED, undefined);
    } catch (err) {
      stoppedBy = err;
      if (run.handedOff) {
        await this.#failHandedOff(run, err, skill, call);
      } else if (!run.closed) {
        const reason = err instanceof Error ? err.message : String(err);
        if (!isAgentmeshError(err)) (call.log ?? this.#o.logger).warn({ err, taskId: run.id, skill: skill.id }, 'skill handler failed');
        const finished = run.finish(isRejection(err) ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED, reason).catch(() => undefined);
        // A timed-out handler may still be running: tell it to stop (after the failure is recorded).
        if (isAgentmeshError(err) && err.code === ErrorCodes.HTTP_TIMEOUT) run.abort(err);
        await finished;
      }
    } finally {
      if (span !== undefined) endSkillSpan(span, replied ? undefined : run.state, this.#o.genAiSpans ? run.usage : undefined);
      limit.release();
      // Only this run's own entry: a run that stopped (a failed write, a conflict) may end after the
      // re-run that replaced it was registered, and must not unregister it (then the check of failed
      // writes, finding no live run, would start yet another beside it).
      if (this.#runs.get(run.id) === run) this.#runs.delete(run.id);
      if (held !== undefined && !held.settled) {
        // Stopped before it wrote or answered anything (its replica drains and lets it go): the caller gets the reason.
        held.settled = true;
        held.reject(run.detached || stoppedBy === undefined ? Errors.runtimeShuttingDown({}) : stoppedBy);
      }
      if (replied) this.#o.onReplied?.(agent.name, skill.id, (this.#now() - started) / 1000);
      else if (!run.handedOff) this.#o.onTaskSettled?.(agent.name, skill.id, run.state ?? TaskState.TASK_STATE_UNSPECIFIED, (this.#now() - started) / 1000);
    }
  }

  /**
   * A handler that throws after handing its task off (its queue refused the
   * job…) fails the task: otherwise it would stay WORKING with nobody to end it.
   * Written like any outside write, only while the task is still handed off.
   */
  async #failHandedOff(run: TaskRun, err: unknown, skill: CompiledSkill, call: CallInfo): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    const state = isRejection(err) ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED;
    if (state === TaskState.TASK_STATE_FAILED) (call.log ?? this.#o.logger).warn({ err, taskId: run.id, skill: skill.id }, 'skill handler failed after handing its task off; the task is failed');
    try {
      await run.releasing;
      await writeTask(this.#runDeps(), async () => (await this.#o.store.get(run.id))!, (row, task) => (row.terminal || row.owner !== null ? null : [statusEvent(task, state, reason, this.#now())]));
    } catch (writeErr) {
      this.#o.logger.warn({ err: writeErr, taskId: run.id }, 'failing a handed-off task failed');
    }
  }

  /**
   * With spans exported: names the new task on the request's server span, and
   * keeps that span for the task's first pushes (sent before its skill span exists).
   */
  #traceTask(taskId: string): void {
    if (this.#o.taskTraces === undefined) return;
    annotateRequestSpan({ [ATTR_A2A_TASK_ID]: taskId });
    const sc = trace.getSpanContext(context.active());
    if (sc !== undefined && trace.isSpanContextValid(sc)) this.#o.taskTraces.set(taskId, sc);
  }

  /** The span of one skill execution, a child of the request that started it (none for a recovered task). */
  #skillSpan(run: TaskRun, agent: AgentDefinition, skill: CompiledSkill, call: CallInfo): Span | undefined {
    const tracer = this.#o.tracer;
    if (tracer === undefined) return undefined;
    const attributes = { [ATTR_A2A_TASK_ID]: run.id, [ATTR_A2A_AGENT]: agent.name, [ATTR_A2A_SKILL]: skill.id, [ATTR_AGENTMESH_TENANT]: call.tenant };
    // GenAI conventions: the agent invoked in this process (an "invoke agent internal span"), its conversation the task's context.
    // Otherwise named like OTel's GenAI `execute_tool {tool}`: low cardinality, the skill id only.
    const span = this.#o.genAiSpans
      ? tracer.startSpan(invokeAgentSpanName(agent.name), { kind: SpanKind.INTERNAL, attributes: { ...attributes, ...invokeAgentAttributes({ name: agent.name, id: agent.name, conversationId: run.task.contextId }) } }, context.active())
      : tracer.startSpan(`execute_skill ${skill.id}`, { kind: SpanKind.INTERNAL, attributes }, context.active());
    this.#o.taskTraces?.set(run.id, span.spanContext());
    return span;
  }

  /** Times out handlers past their deadline (checked every SWEEP_MS, so a timeout may fire up to that much late). */
  #sweep(): void {
    const now = this.#now();
    for (const run of this.#runs.values()) run.timeOutIfDue(now);
  }

  #agent(name: string): AgentDefinition {
    const agent = this.#o.agents.get(name);
    if (!agent) throw Errors.agentNotHostedHere({ agent: name });
    return agent;
  }

  #runDeps(): TaskRunDeps {
    this.#deps ??= { store: this.#o.store, bus: this.#o.bus, logger: this.#o.logger, replicaId: this.#o.replicaId, now: this.#now, onWriteFailed: (id) => this.#unwritten.add(id) };
    return this.#deps;
  }
}

/** Task metadata of a task created by a delegated call: `{ caller, actors }`, the top caller and the clients that acted for it, in order. */
export const DELEGATION_METADATA_KEY = 'agentmesh.delegation';
/** The metadata key of the usage a skill reported (as the task's, `TaskRun.finish`). */
const USAGE_KEY = 'agentmesh.usage';

/** A handler's `ctx.reject()`: its task ends REJECTED rather than FAILED. */
function isRejection(err: unknown): boolean {
  return isAgentmeshError(err) && err.code === ErrorCodes.TASK_REJECTED;
}

/** States in which a task's work goes on (a message may join it when its skill accepts them). */
function isWorking(state: string): boolean {
  return state === 'TASK_STATE_WORKING' || state === 'TASK_STATE_SUBMITTED';
}

/** Ends a skill's span with the task's state as it settled (a handed-off task is still WORKING; none for a message reply). */
function endSkillSpan(span: Span, state: TaskState | undefined, usage: unknown): void {
  if (state === undefined) span.setAttribute('a2a.response', 'message');
  else span.setAttribute('a2a.task.state', stateName(state));
  // GenAI spans carry the token usage the skill reported (ctx.usage units input_tokens / output_tokens).
  const tokens = usage === undefined ? undefined : tokenUsageAttributes(usage);
  if (tokens !== undefined) span.setAttributes(tokens);
  if (state === TaskState.TASK_STATE_FAILED) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * The handler's input: the first data part's value when there is one, else
 * the message text. Validated against the skill's input schema; a failure is
 * a -32602 naming the path inside the data part (worded in protocol/, so the
 * gateway refuses the same input with the same words).
 */
export function skillInput(skill: CompiledSkill, message: Message): unknown {
  const { input, dataIndex } = skillInputOf(message);
  if (skill.validateInput && !skill.validateInput(input)) throw skillInputError(skill.id, dataIndex, skill.validateInput.errors![0]!);
  return input;
}


/** Whether `message` repeats the send `other` still in progress: the same message, in the same context, asking the same. */
function isSameSend(other: StartingSend, message: Message, requestKey: string): boolean {
  return other.message.contextId === message.contextId && other.requestKey === requestKey && messageFingerprint(other.message) === messageFingerprint(message);
}
