import { Role, TaskState, type Message, type Part, type SendMessageRequest, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { RequestOptions } from '@a2a-js/sdk/client';
import type { RetryPolicy } from 'cockatiel';
import { ErrorCodes, type ErrorCode, Errors, relayed, isRecord, errorCodeOf, isInterrupted } from '../../protocol/index.js';
import { TENANT_PATTERN } from '../../tenancy/index.js';
import type { Logger } from '../../observability/index.js';
import type { AgentCaller, ChildAttach, ChildCall, ChildEvent, ChildOutcome, ChildReply, OnBehalfOf } from './agent-caller.js';
import { resolveCallerOptions, type AgentCallerOptions } from './agent-caller-options.js';
import { A2aClients, type AgentClient, type RequestSwitch } from './a2a-clients.js';
import { CallFailure, classifyFailure, isNotAsking, isNotCancelable } from './call-failure.js';
import { directRoute, gatewayRoute, type CallRoute } from './call-route.js';
import { isCallEnd, messageOutput, outcomeOf } from './child-outcome.js';
import { APPROVAL_TASK_PREFIX } from '../../contracts/approvals/index.js';
import { ChildTaskView } from './child-task-view.js';
import { retryPolicy } from './retry-schedule.js';
import { abortWhenAnnounced } from './abort-when-announced.js';

/** After a task's last event, how long the server gets to close the stream before it is closed here, ms. */
const END_GRACE_MS = 1_000;
/**
 * How long an answer refused as "not asking" follows a task still showing the
 * question it answered, for the task to move (a re-run on another replica
 * writes its working status within a lease), before the refusal stands, ms.
 */
const STILL_ASKING_MS = 30_000;
/** A call aborted before its task was announced reads its stream this much longer for the task's id, to cancel the task, ms. */
const ANNOUNCE_GRACE_MS = 5_000;
const TENANT_RE = new RegExp(TENANT_PATTERN);

/** What one call is made as: whom for, where, and until when. */
interface Target {
  agent: string;
  onBehalfOf: OnBehalfOf;
  traceparent?: string | undefined;
  signal: AbortSignal;
}

/** One attempt's means: the agent's client, its request options, and a switch to drop its connection. */
type AttemptFn<T> = (client: AgentClient, options: RequestOptions, abort: RequestSwitch) => Promise<T>;

/**
 * Builds the orchestrator's {@link AgentCaller}: A2A 1.0 JSON-RPC streams
 * read in the SDK's wire types (ADR 0082), through the gateway with the
 * orchestrator's own token on behalf of the caller's tenant, or straight
 * to instances. A stream that breaks before its task ends is sent again
 * with the same messageId (the runtime answers with the task it already
 * started and replays it; the gateway holds credits once per id), with
 * bounded backoff honouring `Retry-After`.
 *
 * @throws AgentmeshError `AM_ERR_CONFIG_INVALID` naming the bad option.
 *
 * @example
 * const caller = createAgentCaller({ gatewayUrl: 'http://localhost:4200', credentials: { clientId, clientSecret } });
 * const outcome = await caller.send({ agent: 'lead-scorer', skill: 'score', input: { leadIds: ['l1'] }, messageId: 'run-1/score', onBehalfOf: { tenant: 'acme' }, signal });
 * if (outcome.state === 'completed') console.log(outcome.output);
 */
export function createAgentCaller(options: AgentCallerOptions): AgentCaller {
  const o = resolveCallerOptions(options);
  const route = o.gateway ? gatewayRoute(o, o.gateway) : directRoute(o.directUrl!);
  return new A2aAgentCaller({ route, clients: new A2aClients({ fetch: o.fetch, post: o.post, requestTimeoutMs: o.requestTimeoutMs }), policy: retryPolicy(o.retry), attempts: o.retry.attempts, logger: o.logger?.child({ module: 'calls' }) });
}

class A2aAgentCaller implements AgentCaller {
  readonly #route: CallRoute;
  readonly #clients: A2aClients;
  readonly #policy: RetryPolicy;
  readonly #attempts: number;
  readonly #log: Logger | undefined;

  constructor(o: { route: CallRoute; clients: A2aClients; policy: RetryPolicy; attempts: number; logger: Logger | undefined }) {
    this.#route = o.route;
    this.#clients = o.clients;
    this.#policy = o.policy;
    this.#attempts = o.attempts;
    this.#log = o.logger;
  }

  async send(call: ChildCall): Promise<ChildOutcome> {
    if (call.signal.aborted) throw abortError(call.signal);
    const invalid = checkTarget(call) ?? (typeof call.messageId !== 'string' || call.messageId === '' ? 'messageId must be a non-empty string' : undefined);
    if (invalid) return { state: 'failed', error: `invalid call to ${String(call.agent)}: ${invalid}`, transient: false, refused: true };
    const message: Message = {
      messageId: call.messageId,
      contextId: call.contextId ?? '',
      taskId: '',
      role: Role.ROLE_USER,
      parts: [inputPart(call.input)],
      metadata: call.skill !== undefined ? { skillId: call.skill } : undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    // A resent message replays its task from the first event: progress already passed on is not passed on twice.
    let delivered = 0;
    let announced: string | undefined;
    // Aborted before its task is announced, the call reads on until it is (onTask tells the caller what to cancel).
    const hold = abortWhenAnnounced(call.signal, ANNOUNCE_GRACE_MS);
    const held = { ...call, signal: hold.signal };
    try {
      const outcome = await this.#send(held, message, () => announced, (taskId) => {
        announced = taskId;
        hold.announced();
      }, () => delivered, (seen) => (delivered = seen));
      // The stream may have ended while the abort waited: the caller asked to stop, so the call stops.
      if (call.signal.aborted) throw abortError(call.signal);
      return outcome;
    } finally {
      hold.done();
    }
  }

  #send(call: ChildCall, message: Message, announcedId: () => string | undefined, announce: (taskId: string) => void, delivered: () => number, deliver: (seen: number) => void): Promise<ChildOutcome> {
    return this.#settle(call, async () =>
      this.#attempt(call, async (client, options, abort) => {
        const view = new ChildTaskView(call.agent);
        let seen = 0;
        await follow(client.sendMessageStream(request(message), options), abort, (event) => {
          const progress = view.apply(event);
          seen++;
          const task = view.task;
          if (announcedId() === undefined && task !== undefined && task.id !== '') {
            this.#notify(() => call.onTask?.(task.id, task.contextId));
            announce(task.id);
          }
          if (seen > delivered()) {
            deliver(seen);
            if (progress) this.#notify(() => call.onEvent?.(progress));
          }
          return isCallEnd(view.state);
        });
        return this.#ended(call.agent, view);
      }),
    announcedId);
  }

  async reply(reply: ChildReply): Promise<ChildOutcome> {
    if (reply.signal.aborted) throw abortError(reply.signal);
    const invalid =
      checkTarget(reply) ??
      (typeof reply.taskId !== 'string' || reply.taskId === '' ? 'taskId must be a non-empty string' : undefined) ??
      (typeof reply.messageId !== 'string' || reply.messageId === '' ? 'messageId must be a non-empty string' : undefined) ??
      (!Array.isArray(reply.parts) || reply.parts.length === 0 ? 'parts must hold at least one part' : undefined);
    if (invalid) return { state: 'failed', ...(typeof reply.taskId === 'string' ? { taskId: reply.taskId } : {}), error: `invalid reply to ${String(reply.agent)}: ${invalid}`, transient: false, refused: true };
    const message: Message = { messageId: reply.messageId, contextId: reply.contextId, taskId: reply.taskId, role: Role.ROLE_USER, parts: reply.parts, metadata: undefined, extensions: [], referenceTaskIds: [] };
    const onEvent = (progress: ChildEvent | undefined) => {
      if (progress) this.#notify(() => reply.onEvent?.(progress));
    };
    let tries = 0;
    return this.#settle(reply, async () =>
      this.#attempt(reply, async (client, options, abort) => {
        const view = new ChildTaskView(reply.agent);
        if (tries++ > 0) {
          // An earlier attempt may have delivered the answer; the runtime does not dedupe answers by
          // messageId, so a second copy would answer the task's next question. Look before resending.
          const task = await client.getTask({ tenant: '', id: reply.taskId }, options);
          if (task.history.some((m) => m.messageId === reply.messageId)) {
            if (isCallEnd(task.status?.state)) return outcomeOf(reply.agent, task);
            return this.#followTask(client, options, abort, reply.agent, reply.taskId, (event) => onEvent(view.apply(event)), view);
          }
          // Not taken, and the question it answers is gone (the task moved): it is not sent to another one.
          if (movedPast(task, reply.questionId)) return this.#afterMove(client, options, abort, reply, task, onEvent);
        }
        try {
          await follow(client.sendMessageStream(request(message), options), abort, (event) => {
            onEvent(view.apply(event));
            // The stream opens with the task as the answer found it, still asking (A2A §3.1.2): a
            // snapshot is an end only once it holds the answer.
            if (event.payload?.$case === 'task') return isCallEnd(view.state) && event.payload.value.history.some((m) => m.messageId === reply.messageId);
            return isCallEnd(view.state);
          });
        } catch (err) {
          // Refused as not asking: the task moved since its question was read (re-run on another replica after a fault,
          // it works before it asks again). It is followed to its next question, put to the user again, or to its end.
          const failure = classifyFailure(err, this.#clients.note(abort.signal));
          if (!isNotAsking(failure) || reply.questionId === undefined) throw err;
          const task = await client.getTask({ tenant: '', id: reply.taskId }, options);
          if (movedPast(task, reply.questionId)) return this.#afterMove(client, options, abort, reply, task, onEvent);
          // Still showing the question answered, it is about to move (a re-run writes its working status, then asks
          // again), or never will (the refusal meant something else): followed for a while, then the refusal stands.
          const moved = new ChildTaskView(reply.agent);
          const outcome = await this.#followTask(client, options, abort, reply.agent, reply.taskId, (event) => onEvent(moved.apply(event)), moved, reply.questionId, STILL_ASKING_MS).catch(() => undefined);
          if (outcome === undefined || (isInterrupted(moved.state) && moved.task?.status?.message?.messageId === reply.questionId)) throw failure;
          return outcome;
        }
        return this.#ended(reply.agent, view);
      }),
    () => reply.taskId);
  }

  async attach(attach: ChildAttach): Promise<ChildOutcome> {
    if (attach.signal.aborted) throw abortError(attach.signal);
    const invalid = checkTarget(attach) ?? (typeof attach.taskId !== 'string' || attach.taskId === '' ? 'taskId must be a non-empty string' : undefined);
    if (invalid) return { state: 'failed', error: `invalid attach to ${String(attach.agent)}: ${invalid}`, transient: false, refused: true };
    return this.#settle(attach, async () =>
      this.#attempt(attach, async (client, options, abort) => {
        const task = await client.getTask({ tenant: '', id: attach.taskId }, options);
        if (isCallEnd(task.status?.state)) return outcomeOf(attach.agent, task);
        // Still the gated task's own id: the approved call is on its way to the agent (or not yet
        // decided), and only GetTask reads a gated task, so there is nothing to subscribe to yet.
        // Waiting for approval it stays: the caller reads it again (ADR 0037).
        const answered = task.id || attach.taskId;
        if (answered.startsWith(APPROVAL_TASK_PREFIX)) return stillGated(attach.agent, task, answered);
        const view = new ChildTaskView(attach.agent);
        // Events the task already had were reported by the process that started it: only what follows is progress.
        let replaying = true;
        // The id the task answers with: a gated task's id reads the agent's task once its call was approved and sent (ADR 0037).
        return this.#followTask(client, options, abort, attach.agent, task.id || attach.taskId, (event) => {
          const progress = view.apply(event);
          if (event.payload?.$case !== 'task') replaying = false;
          if (progress && !replaying) this.#notify(() => attach.onEvent?.(progress));
        }, view);
      }),
    () => attach.taskId);
  }

  /**
   * Follows a task by subscription until it ends or asks (a subscription stays
   * open at input-required, unlike a send stream: closed at once). A task that
   * ended between the caller's read and the subscription cannot be subscribed
   * to: it is read again. The question `answered` (a status message's id),
   * still showing, is not an end: the task has yet to move past it.
   */
  async #followTask(client: AgentClient, options: RequestOptions, abort: RequestSwitch, agent: string, taskId: string, onEvent: (event: StreamResponse) => void, view: ChildTaskView, answered?: string, limitMs?: number): Promise<ChildOutcome> {
    const limit = limitMs === undefined ? undefined : setTimeout(() => abort.abort(), limitMs);
    try {
      await follow(client.resubscribeTask({ tenant: '', id: taskId }, options), abort, (event) => {
        onEvent(event);
        if (answered !== undefined && isInterrupted(view.state) && view.task?.status?.message?.messageId === answered) return false;
        return isCallEnd(view.state);
      }, 0);
    } catch (err) {
      const again = await client.getTask({ tenant: '', id: taskId }, options);
      if (isCallEnd(again.status?.state) && (answered === undefined || movedPast(again, answered))) return outcomeOf(agent, again);
      throw err;
    } finally {
      clearTimeout(limit);
    }
    return this.#ended(agent, view);
  }

  /** A task that moved past the question a reply answered, without the reply: where it stands now, or followed until it ends or asks. */
  #afterMove(client: AgentClient, options: RequestOptions, abort: RequestSwitch, reply: ChildReply, task: Task, onEvent: (progress: ChildEvent | undefined) => void): Promise<ChildOutcome> | ChildOutcome {
    if (isCallEnd(task.status?.state)) return outcomeOf(reply.agent, task);
    const view = new ChildTaskView(reply.agent);
    return this.#followTask(client, options, abort, reply.agent, reply.taskId, (event) => onEvent(view.apply(event)), view, reply.questionId);
  }

  async cancel(agent: string, taskId: string, onBehalfOf: OnBehalfOf): Promise<void> {
    const target: Target = { agent, onBehalfOf, signal: new AbortController().signal };
    const invalid = checkTarget(target) ?? (typeof taskId !== 'string' || taskId === '' ? 'taskId must be a non-empty string' : undefined);
    if (invalid) throw Errors.agentCallCancelInvalid({ agent: String(agent), problem: invalid });
    try {
      await this.#policy.execute(() => this.#attempt(target, (client, options) => client.cancelTask({ tenant: '', id: taskId, metadata: undefined }, options)));
    } catch (err) {
      if (!(err instanceof CallFailure)) throw err;
      if (isNotCancelable(err)) return;
      const code: ErrorCode = errorCodeOf(err.code) ?? ErrorCodes.HTTP_UPSTREAM_FAILED;
      throw relayed(code, Errors.agentCallCancelFailed.format({ taskId, agent, reason: err.message }), { cause: err, retryable: err.transient, expose: true });
    }
  }

  /** Runs the attempts; turns a final failure into a `failed` outcome. Only an abort throws. */
  async #settle(target: Target, attempts: () => Promise<ChildOutcome>, taskId: () => string | undefined): Promise<ChildOutcome> {
    try {
      return await this.#policy.execute(attempts, target.signal);
    } catch (err) {
      if (target.signal.aborted) throw abortError(target.signal);
      if (!(err instanceof CallFailure)) throw err;
      const id = taskId();
      const error = err.transient ? `${err.message} (calling ${target.agent}; gave up after ${this.#attempts} attempt${this.#attempts === 1 ? '' : 's'})` : err.message;
      return { state: 'failed', ...(id !== undefined ? { taskId: id } : {}), error, transient: err.transient, ...(!err.transient && { refused: true }) };
    }
  }

  /** One attempt; a 401 fetches a fresh token and tries once more at once. Throws a {@link CallFailure}. */
  async #attempt<T>(target: Target, run: AttemptFn<T>): Promise<T> {
    for (let refreshed = false; ; refreshed = true) {
      const abort = this.#clients.open(target.signal);
      const signal = abort.signal;
      let token: string | undefined;
      try {
        const endpoint = await this.#route.endpoint(target.agent);
        const client = await this.#clients.client(endpoint);
        const auth = await this.#route.headers(target.onBehalfOf);
        token = auth.token;
        const serviceParameters = target.traceparent !== undefined ? { ...auth.headers, traceparent: target.traceparent } : auth.headers;
        return await run(client, { signal, serviceParameters }, abort);
      } catch (err) {
        abort.abort();
        if (target.signal.aborted) throw abortError(target.signal);
        const failure = classifyFailure(err, this.#clients.note(signal));
        this.#log?.debug({ agent: target.agent, reason: failure.message, transient: failure.transient }, 'agent call attempt failed');
        if (failure.unauthorized && token !== undefined && !refreshed) {
          this.#route.refused(token, target.onBehalfOf);
          continue;
        }
        throw failure;
      } finally {
        abort.done();
      }
    }
  }

  /** The outcome of a followed stream, or a transient failure when it closed before its task ended. */
  #ended(agent: string, view: ChildTaskView): ChildOutcome {
    const task = view.task;
    if (task === undefined && view.message !== undefined) return messageAnswer(view.message);
    if (task === undefined || !isCallEnd(view.state)) {
      throw new CallFailure(`the stream of ${agent}${task ? `'s task ${task.id}` : ''} closed before its task ended${task ? ` (it is ${TaskState[view.state ?? 0]})` : ''}`, { transient: true });
    }
    return outcomeOf(agent, task);
  }

  /** Progress callbacks are notifications: one that throws is logged, never fails the call. */
  #notify(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log?.warn({ err }, 'a child call progress callback threw');
    }
  }
}

/**
 * Reads a stream until `onEvent` says the task ended, then lets the server
 * close it (A2A servers end a send stream there; the connection goes back
 * to the pool), closing it here after `graceMs` if it does not.
 */
async function follow(stream: AsyncGenerator<StreamResponse, void, undefined>, abort: RequestSwitch, onEvent: (event: StreamResponse) => boolean, graceMs = END_GRACE_MS): Promise<void> {
  for (;;) {
    const next = await stream.next();
    if (next.done) return;
    if (!onEvent(next.value)) continue;
    if (graceMs === 0) {
      abort.abort();
      await stream.return(undefined).catch(() => undefined);
      return;
    }
    const timer = setTimeout(() => abort.abort(), graceMs);
    try {
      while (!(await stream.next()).done) {
        // Events after the end are not the call's: dropped.
      }
    } catch {
      // Closed here, or cut short: the end was already seen.
    } finally {
      clearTimeout(timer);
    }
    return;
  }
}

function request(message: Message): SendMessageRequest {
  return { tenant: '', message, configuration: undefined, metadata: undefined };
}

/**
 * Whether `task` no longer shows the question `answered` (a status message's
 * id): it works, it ended, or it asks another question. Without an id to tell
 * questions apart, a task that asks is taken to ask the same one.
 */
function movedPast(task: Task, answered: string | undefined): boolean {
  if (!isInterrupted(task.status?.state)) return true;
  return answered !== undefined && task.status?.message?.messageId !== answered;
}

/** A string is a text part; anything else a data part (undefined as null: JSON has no undefined). */
function inputPart(input: unknown): Part {
  return typeof input === 'string'
    ? { content: { $case: 'text', value: input }, metadata: undefined, filename: '', mediaType: '' }
    : { content: { $case: 'data', value: input === undefined ? null : input }, metadata: undefined, filename: '', mediaType: '' };
}

/** An agent may answer with a message instead of a task (A2A §3.1.1): a completed call with that message. */
function messageAnswer(message: Message): ChildOutcome {
  const task: Task = { id: message.taskId, contextId: message.contextId, status: { state: TaskState.TASK_STATE_COMPLETED, message, timestamp: undefined }, artifacts: [], history: [message], metadata: undefined };
  return { state: 'completed', taskId: message.taskId, contextId: message.contextId, output: messageOutput(message), task };
}

/** What is wrong with the target of a call, if anything (tenant ids as tenancy keys them). */
function checkTarget(target: { agent: unknown; onBehalfOf: unknown }): string | undefined {
  if (typeof target.agent !== 'string' || target.agent === '' || target.agent.length > 256) return 'agent must be an agent name';
  const on = isRecord(target.onBehalfOf) ? target.onBehalfOf : undefined;
  const tenant = on?.['tenant'];
  if (typeof tenant !== 'string' || !TENANT_RE.test(tenant)) return `onBehalfOf.tenant must be a tenant id (${TENANT_PATTERN}), got ${JSON.stringify(tenant)}`;
  const subject = on?.['subject'];
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused (they cannot travel in a header)
  if (subject !== undefined && (typeof subject !== 'string' || subject.trim() === '' || subject.length > 256 || /[\u0000-\u001f\u007f]/.test(subject))) {
    return 'onBehalfOf.subject must be a non-blank string of at most 256 characters without control characters';
  }
  const subjectToken = on?.['subjectToken'];
  // A JWT: what the gateway's token endpoint reads (its form is at most 16 KiB).
  if (subjectToken !== undefined && (typeof subjectToken !== 'string' || !/^[A-Za-z0-9_.-]{1,8192}$/.test(subjectToken))) {
    return 'onBehalfOf.subjectToken must be a JWT of at most 8192 characters';
  }
  return undefined;
}

/** The AbortError a call throws when its signal fires (the signal's own reason when that is one). */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('The agent call was aborted', 'AbortError');
}

/**
 * A gated task that is not decided and sent yet, as the outcome of a call
 * parked for approval (what `isParkedForApproval` recognises): its status
 * text says where it stands ("Waiting for approval: …", or approved and
 * being sent).
 */
function stillGated(agent: string, task: Task, taskId: string): ChildOutcome {
  const outcome = outcomeOf(agent, { ...task, id: taskId, status: task.status ? { ...task.status, state: TaskState.TASK_STATE_AUTH_REQUIRED } : task.status });
  return outcome.state === 'auth-required' ? outcome : { state: 'auth-required', taskId, contextId: task.contextId, question: '' };
}
