import { StreamResponse, TaskState, type Message, type Task } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { ErrorCodes, isAgentmeshError, isInterrupted, isTerminal, stateName, Errors } from '../protocol/index.js';
import type { Bus, TaskStore } from '../storage/index.js';
import { MessageAlreadyStarted } from '../storage/index.js';
import type { UsageRecord } from '../contracts/agent/index.js';
import { foldEvent, isTransientProgress } from './task-fold.js';
import { kindOf, stateOf, statusEvent, taskTopic, type CommittedEvent, type TaskEventsMessage } from './task-events.js';
import { foldHistoryJson, historyJsonOf, taskSnapshotJson, type HistoryJson } from './task-snapshot.js';

/** How many of its first committed events a run keeps in memory for the stream that started it. */
const COMMITTED_KEPT = 64;
/**
 * Longest a task's stored snapshot lags its log (transient progress only,
 * docs/adr/0070-a-run-step-costs-the-same-at-any-length.md): readers of the
 * row see a progress line at most this old; the state is always current.
 */
const SNAPSHOT_LAG_MS = 1_000;

/** What a run needs from its surroundings. */
export interface TaskRunDeps {
  store: TaskStore;
  bus: Bus;
  logger: Logger;
  replicaId: string;
  now: () => number;
  /** A write of an existing task failed (not a version conflict): its row is left behind, non-terminal, owned here. */
  onWriteFailed?: ((taskId: string) => void) | undefined;
}

/** Identity of a run's task row. */
export interface TaskRunInit {
  task: Task;
  agent: string;
  tenant: string;
  skill: string | null;
  messageId: string | null;
  idempotent: boolean;
  /** Another message under a messageId that started a task already (ADR 0046): created without claiming the id. */
  messageIdReused?: boolean;
  /** Set when the row already exists (resumed or recovered task). */
  existing?: { version: number; lastSeq: number };
}

/**
 * The in-memory side of one task executing on this replica: the folded
 * snapshot, and a writer that coalesces the events of one event-loop turn
 * into a single durable write (one snapshot serialization per turn, however
 * many events the handler emitted), then announces them on the bus.
 * Writes of one run are chained, so each one's expected version is exact.
 * Every change of a run's state is made here, through the named methods
 * below: the engine and the skill context read the rest.
 */
export class TaskRun {
  readonly id: string;
  readonly agent: string;
  readonly tenant: string;
  readonly skill: string | null;
  readonly idempotent: boolean;
  /** Made when the handler first asks for its signal: most handlers never do, and a controller per task showed in the allocation profile. */
  #abort: AbortController | undefined;
  /** Why the run was stopped, for a signal asked for afterwards. */
  #stopReason: { reason: unknown } | undefined;
  /** Rejects with the reason when the run is stopped (canceled, timed out, shut down). */
  readonly stopped: Promise<never>;
  /** Epoch ms after which {@link timeOutIfDue} stops the handler. */
  #deadline = Number.POSITIVE_INFINITY;
  /** The timeout the deadline came from, for the failure message. */
  #timeoutMs = 0;
  #rejectStopped!: (reason: unknown) => void;
  #task: Task;
  /** The JSON of each message of the task's history, taken as it joined: the snapshots reuse it (task-snapshot.ts). */
  #historyJson: HistoryJson;
  /** Push configs were stored before the task's first write (they must see its first events). */
  #pushConfigured = false;
  #detached = false;
  /** Detached because another replica wrote the task's cancel. */
  #canceledElsewhere = false;
  #closed = false;
  #handedOff = false;
  /** Credits the handler reported, written with the final status. */
  #usage: { credits: number; units: Record<string, number> } | undefined;
  #committed: CommittedEvent[] = [];
  #lastSnapshotJson = '';
  #releasing: Promise<void> | undefined;
  #settleWaiters: Array<() => void> = [];
  #committedTerminal = false;
  /** The hand-off write is durable. */
  #released = false;
  /** Sequence number of the last committed terminal or interrupted event. */
  #settledSeq = 0;
  #deps: TaskRunDeps;
  #messageId: string | null;
  #created: boolean;
  readonly #messageIdReused: boolean;
  #version: number;
  #lastSeq: number;
  /** Queued events; each already carries its state, so once written it is a CommittedEvent as is. */
  #pending: CommittedEvent[] = [];
  #batch: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();
  #ownerChange: string | null | undefined;
  /** A pending event is more than transient progress: the next write carries the snapshot. */
  #snapshotOwed = false;
  /** Bytes of events written since the stored snapshot. */
  #bytesSinceSnapshot = 0;
  /** When the stored snapshot was written by this run (undefined: not yet). */
  #snapshotAt: number | undefined;
  /** Writes the snapshot once it lags too long with no event to carry it. */
  #snapshotTimer: NodeJS.Timeout | undefined;
  #inputWaiter: ((message: Message) => void) | undefined;
  /** Sequence number of the last event that asked (input- or auth-required): the question an answer must have seen. */
  #askedSeq = 0;
  /** Writes the task's first events; set while its creation waits for the handler (see {@link holdCreation}). */
  #create: (() => void) | undefined;

  constructor(init: TaskRunInit, deps: TaskRunDeps) {
    this.id = init.task.id;
    this.#task = init.task;
    // Before the handler runs: its input is the first message's data part.
    this.#historyJson = historyJsonOf(init.task);
    this.agent = init.agent;
    this.tenant = init.tenant;
    this.skill = init.skill;
    this.idempotent = init.idempotent;
    this.#messageId = init.messageId;
    this.#messageIdReused = init.messageIdReused === true;
    this.#deps = deps;
    this.#created = init.existing !== undefined;
    this.#version = init.existing?.version ?? 0;
    this.#lastSeq = init.existing?.lastSeq ?? 0;
    this.stopped = new Promise<never>((_, reject) => (this.#rejectStopped = reject));
    // Nobody may be racing it (the handler already returned): not an unhandled rejection.
    this.stopped.catch(() => undefined);
  }

  /** Aborted when the run is stopped (canceled, timed out, shut down): the handler's `ctx.signal`. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#stopReason) this.#abort.abort(this.#stopReason.reason);
    }
    return this.#abort.signal;
  }

  /** The folded snapshot, as of the last event emitted. */
  get task(): Task {
    return this.#task;
  }

  get state(): TaskState | undefined {
    return this.#task.status?.state;
  }

  /** True once someone else finished the task (its row, not this object, holds the outcome). */
  get detached(): boolean {
    return this.#detached;
  }

  /**
   * True when the task was let go to run again elsewhere (a drain, a takeover, a failed write), not
   * ended: the handler must not undo what the re-run picks up. A cancel another replica wrote ends it:
   * its handler undoes its work (cancels its children) as on a cancel here.
   */
  get letGo(): boolean {
    return this.#detached && !this.#canceledElsewhere;
  }

  /** Whether the run takes no more events (terminal state, hand-off, stopped). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * True once the handler handed the task off ({@link release}): the row has
   * no owner, the task stays live, and other writers (a TaskControl) finish it.
   */
  get handedOff(): boolean {
    return this.#handedOff;
  }

  /**
   * The first events this run committed, in order: the stream opened by the
   * request that started the task reads them from here instead of from the
   * database. Lives as long as the run object (one request).
   */
  get committed(): readonly CommittedEvent[] {
    return this.#committed;
  }

  /** The snapshot JSON of the last write, reused for responses. */
  get lastSnapshotJson(): string {
    return this.#lastSnapshotJson;
  }

  /** The hand-off write, once {@link release} was called. */
  get releasing(): Promise<void> | undefined {
    return this.#releasing;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The credits and units the handler reported so far, if any. */
  get usage(): { credits: number; units: Record<string, number> } | undefined {
    return this.#usage;
  }

  /**
   * Holds the task's creation until the run's first event (a skill that may
   * answer with a message, ADR 0034): `create` emits the task's first events,
   * and runs once, just before that event or a hand-off. Nothing is written
   * until then.
   */
  holdCreation(create: () => void): void {
    this.#create = create;
  }

  /** True while the task's creation is held: nothing of it exists anywhere yet. */
  get creationHeld(): boolean {
    return this.#create !== undefined;
  }

  /** The handler answered with a message: the held task is never created, and the run takes no events. */
  dropCreation(): void {
    this.#create = undefined;
    this.#closed = true;
  }

  #createNow(): void {
    const create = this.#create!;
    this.#create = undefined;
    create();
  }

  /**
   * Folds an event into the snapshot and queues it for the next write.
   * Returns a promise that resolves once the event is durable. Events after
   * the terminal one are dropped: a canceled handler cannot resurrect a task.
   */
  emit(event: StreamResponse, options: { owner?: string | null } = {}): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#create !== undefined) this.#createNow();
    if (!isTransientProgress(event) || this.#task.status?.state !== TaskState.TASK_STATE_WORKING) this.#snapshotOwed = true;
    this.#task = foldEvent(this.#task, event);
    this.#historyJson = foldHistoryJson(this.#historyJson, event, this.#task);
    const state = stateOf(event);
    if (isTerminal(state)) this.#closed = true;
    if (options.owner !== undefined) this.#ownerChange = options.owner;
    const seq = ++this.#lastSeq;
    if (isInterrupted(state)) this.#askedSeq = seq;
    this.#pending.push({ seq, kind: kindOf(event), payload: JSON.stringify(StreamResponse.toJSON(event)), state });
    return this.#queue();
  }

  /**
   * Hands the task off: the events emitted so far are written together with
   * the release of the row's owner (no owner: lease recovery leaves it alone),
   * and the run takes no more events. Waiters of {@link whenSettled} are woken
   * once it is durable: the task's next events come from other writers, so
   * they follow the log from here. Rejects when the write fails (canceled meanwhile).
   */
  release(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`task ${this.id} already ended; it cannot be handed off`));
    if (this.#create !== undefined) this.#createNow();
    this.#ownerChange = null;
    this.#closed = true;
    this.#handedOff = true;
    this.#releasing = this.#queue().then(() => {
      this.#released = true;
      this.#settle();
    });
    return this.#releasing;
  }

  /**
   * Ends the task in `state` (terminal) with the credits the handler
   * reported, and releases the row's owner. Nothing is written if the run
   * already took its last event.
   */
  finish(state: TaskState, text: string | undefined): Promise<void> {
    const event = statusEvent(this.#task, state, text, this.#deps.now());
    if (this.#usage && event.payload?.$case === 'statusUpdate') event.payload.value.metadata = { 'agentmesh.usage': this.#usage };
    return this.emit(event, { owner: null });
  }

  /** Push configs were stored before the first write: it enqueues deliveries of the first events. */
  markPushConfigured(): void {
    this.#pushConfigured = true;
  }

  /** Adds credits and units the handler reported; they are written with the final status. */
  addUsage(record: UsageRecord): void {
    const previous = this.#usage ?? { credits: 0, units: {} };
    const units = { ...previous.units };
    for (const [k, v] of Object.entries(record.units ?? {})) units[k] = (units[k] ?? 0) + v;
    this.#usage = { credits: previous.credits + record.credits, units };
  }

  /** Starts the handler's clock: {@link timeOutIfDue} stops it `timeoutMs` from now. */
  startClock(timeoutMs: number): void {
    this.#deadline = this.#deps.now() + timeoutMs;
    this.#timeoutMs = timeoutMs;
  }

  /** Stops a handler still running past its deadline with a timeout error. */
  timeOutIfDue(now: number): void {
    if (!this.#closed && this.#deadline <= now) {
      this.stop(Errors.skillTimedOut({ skill: String(this.skill), timeoutMs: this.#timeoutMs }));
    }
  }

  #queue(): Promise<void> {
    // One promise per write, shared by the events it carries (not one per event).
    let batch = this.#batch;
    if (batch === undefined) {
      let settle!: { resolve: () => void; reject: (e: unknown) => void };
      const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      // Most callers fire and forget; a failed write is logged and handled in #write.
      promise.catch(() => undefined);
      batch = this.#batch = { promise, ...settle };
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#chain = this.#chain.then(() => this.#write());
      });
    }
    return batch.promise;
  }

  /**
   * Resolves at the next committed terminal or interrupted state (at once if
   * the task already ended). Call it before resuming a task to wait for the
   * end of the next phase.
   */
  whenSettled(afterSeq = 0): Promise<void> {
    if (this.#committedTerminal || this.#settledSeq > afterSeq || this.#released) return Promise.resolve();
    return new Promise((resolve) => this.#settleWaiters.push(resolve));
  }

  #settle(): void {
    const waiters = this.#settleWaiters;
    this.#settleWaiters = [];
    for (const w of waiters) w();
  }

  /** Parks the handler until {@link resume} delivers the user's next message. */
  waitForInput(): Promise<Message> {
    const answer = new Promise<Message>((resolve, reject) => {
      this.#inputWaiter = resolve;
      this.stopped.catch(reject);
    });
    // A run stopped before its handler awaited the answer (its create refused or failed while the handler
    // was asking): the rejection is the handler's to see if it awaits, not an unhandled one of the process.
    answer.catch(() => undefined);
    return answer;
  }

  /** True while the handler waits in {@link waitForInput}. */
  get waitingForInput(): boolean {
    return this.#inputWaiter !== undefined && isInterrupted(this.state);
  }

  /**
   * True while the handler waits for the answer to the question a reader saw:
   * one who read the task at `seenSeq` saw this question only if it was asked
   * at or before it. An answer sent to an earlier question (delayed on its way
   * here, or a second copy of one already taken) must not answer this one.
   */
  waitsForAnswerSeenAt(seenSeq: number): boolean {
    return this.waitingForInput && this.#askedSeq <= seenSeq;
  }

  /** Hands the user's answer to the parked handler. */
  resume(message: Message): void {
    const waiter = this.#inputWaiter;
    this.#inputWaiter = undefined;
    waiter?.(message);
  }

  /** Aborts the handler's signal and ends the engine's wait on it. */
  stop(reason: Error): void {
    this.#stopReason ??= { reason };
    if (this.#abort && !this.#abort.signal.aborted) this.#abort.abort(reason);
    this.#rejectStopped(reason);
  }

  /** Stops the handler and takes no more events: the task's end is written (or left to recovery). */
  abort(reason: Error): void {
    this.stop(reason);
    this.#closed = true;
  }

  /** Stops accepting events without writing (someone else finished the task; `canceled`: by a cancel). */
  detach(reason: string, options: { canceled?: boolean } = {}): void {
    this.#detached = true;
    this.#canceledElsewhere = options.canceled === true;
    this.#closed = true;
    this.#committedTerminal = true;
    this.stop(new Error(reason));
    this.#settle();
  }

  /** Serializes the snapshot for a write, and restarts the count of what it lags. */
  #snapshotNow(now: number): string {
    const snapshot = taskSnapshotJson(this.#task, this.#historyJson);
    this.#lastSnapshotJson = snapshot;
    this.#snapshotOwed = false;
    this.#bytesSinceSnapshot = 0;
    this.#snapshotAt = now;
    clearTimeout(this.#snapshotTimer);
    this.#snapshotTimer = undefined;
    return snapshot;
  }

  async #write(): Promise<void> {
    if (this.#detached) {
      // An earlier write failed or someone else moved the task on: what was queued behind it must not
      // be written past it (its seqs follow the one that never landed: a gap in the log).
      this.#pending = [];
      this.#ownerChange = undefined;
      const dropped = this.#batch;
      this.#batch = undefined;
      dropped?.reject(new Error(`task ${this.id}: this run stopped before these events were written`));
      return;
    }
    const events = this.#pending;
    const batch = this.#batch;
    // A release (hand-off) is a write of its own even with no event to carry; so is a lagging snapshot.
    if (events.length === 0 && this.#ownerChange === undefined && !this.#snapshotOwed) return;
    this.#pending = [];
    this.#batch = undefined;
    const state = this.state ?? TaskState.TASK_STATE_UNSPECIFIED;
    const terminal = isTerminal(state);
    const now = this.#deps.now();
    for (const e of events) this.#bytesSinceSnapshot += e.payload.length;
    // The snapshot holds the task's whole history (a workflow's definition, a map's items): rewritten for every
    // progress line it made a long run's step cost grow with the run. Progress alone leaves it, until the events
    // since outweigh it or it is SNAPSHOT_LAG_MS old: its bytes per event stay bounded by the events' own.
    const withSnapshot =
      !this.#created ||
      this.#snapshotOwed ||
      terminal ||
      this.#ownerChange !== undefined ||
      this.#snapshotAt === undefined ||
      now - this.#snapshotAt >= SNAPSHOT_LAG_MS ||
      this.#bytesSinceSnapshot >= this.#lastSnapshotJson.length;
    const snapshot = withSnapshot ? this.#snapshotNow(now) : undefined;
    if (!withSnapshot) {
      this.#snapshotTimer ??= setTimeout(() => {
        this.#snapshotTimer = undefined;
        if (this.#closed || this.#detached) return;
        this.#snapshotOwed = true;
        void this.#queue();
      }, SNAPSHOT_LAG_MS).unref();
    }
    try {
      if (!this.#created) {
        await this.#deps.store.create({
          id: this.id,
          agent: this.agent,
          tenant: this.tenant,
          contextId: this.#task.contextId,
          state: stateName(state),
          skill: this.skill,
          messageId: this.#messageId,
          snapshot: snapshot ?? this.#snapshotNow(now),
          // Handed off before its first write: created without an owner.
          owner: terminal || this.#ownerChange === null ? null : this.#deps.replicaId,
          idempotent: this.idempotent,
          terminal,
          events,
          now,
          ...(this.#pushConfigured ? { pushConfigured: true } : {}),
          ...(this.#messageIdReused ? { messageIdReused: true } : {}),
        });
        this.#created = true;
        this.#ownerChange = undefined;
        this.#version = events.length;
      } else {
        const owner = terminal ? null : this.#ownerChange;
        this.#ownerChange = undefined;
        await this.#deps.store.append({
          taskId: this.id,
          tenant: this.tenant,
          expectedVersion: this.#version,
          state: stateName(state),
          ...(snapshot !== undefined && { snapshot }),
          terminal,
          ...(owner === undefined ? {} : { owner }),
          events,
          now,
        });
        this.#version += 1;
      }
    } catch (err) {
      batch?.reject(err);
      if (isAgentmeshError(err) && err.code === ErrorCodes.TASK_VERSION_CONFLICT) {
        // Someone else (a cancel on another replica, recovery) moved the task on: stop here. Or this
        // very write committed and its answer was lost, and its retry found the version it bumped: then
        // the row still names this replica as owner and nobody else would end the task, so it is handed
        // to the engine's check of failed writes, which ends it only if this replica still owns it.
        this.#deps.logger.info({ taskId: this.id }, 'task changed elsewhere; this run stops');
        this.#deps.onWriteFailed?.(this.id);
      } else if (err instanceof MessageAlreadyStarted) {
        // Never written: another replica started this message's task meanwhile, and the engine answers the send with it.
        this.#deps.logger.info({ taskId: this.id, startedTask: err.taskId }, 'task not created: its message started another task meanwhile');
      } else {
        this.#deps.logger.error({ err, taskId: this.id }, 'task write failed');
        // The row says WORKING and this replica still heartbeats: nobody else will end it. A create
        // counts too: one whose answer was lost may have committed, and then the row exists, owned by
        // this replica (the engine's check finds no row when it did not, and leaves it).
        this.#deps.onWriteFailed?.(this.id);
      }
      this.detach('task write failed');
      return;
    }
    const committed = events;
    // Bounded: a long task's later events are read from the log like anyone else's.
    if (this.#committed.length < COMMITTED_KEPT) this.#committed.push(...committed.slice(0, COMMITTED_KEPT - this.#committed.length));
    const message: TaskEventsMessage = { taskId: this.id, events: committed };
    if (committed.length > 0) this.#deps.bus.publish(taskTopic(this.id), message).catch((err) => this.#deps.logger.warn({ err, taskId: this.id }, 'publishing task events failed; subscribers will re-read the log'));
    batch?.resolve();
    if (terminal) this.#committedTerminal = true;
    if ((terminal || isInterrupted(state)) && events.length > 0) {
      this.#settledSeq = events[events.length - 1]!.seq;
      this.#settle();
    }
  }
}
