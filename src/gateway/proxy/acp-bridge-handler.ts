import { randomUUID } from 'node:crypto';
import type { AgentCard, Artifact, CancelTaskRequest, GetTaskRequest, SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task } from '@a2a-js/sdk';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { AcpStreamTranslator, a2aMessageToAcp, isFinalRunStatus, isUuid, runToTask, type AcpEvent, type AcpMessage, type AcpRun, type AcpRunClient, type AcpRunCreateRequest, type AcpRunMode, type AcpRunResumeRequest } from '../../acp/index.js';
import { Errors } from '../../protocol/index.js';
import type { BridgedRuns } from '../bridged-runs.js';

/** What one bridged call's handler works with. */
export interface AcpBridgeHandlerOptions {
  /** The agent's name in the mesh. */
  agent: string;
  /** The agent's name on its ACP server (`agent_name`). */
  acpName: string;
  /** The agent's card in the registry (the SDK's v0.3 handler reads `capabilities.streaming`). */
  card: AgentCard;
  client: AcpRunClient;
  /** Who started each run: another tenant's run is not found. */
  runs: BridgedRuns;
  tenant: string;
  /** Largest output a blocking send keeps from its run's message events, bytes (the gateway's body limit). */
  maxOutputBytes: number;
  /** Told how a blocking send's run goes (its client may leave before the answer: acp-bridge.ts cancels the run then). */
  blockingRun?: BlockingRunWatch | undefined;
}

/** What is told of a blocking send's run. */
export interface BlockingRunWatch {
  /** A blocking send starts its run (its id is not known yet). */
  starting(): void;
  /** The run exists: its id. */
  started(runId: string): void;
  /** The run has ended: nothing is left to cancel. */
  ended(): void;
}

/** How long a subscription waits between two reads of the run. */
const SUBSCRIBE_POLL_MS = 250;

/**
 * A bridged ACP agent as an SDK `A2ARequestHandler` (docs/acp.md "Bridged
 * ACP agents through the gateway"), for one call: the A2A 1.0 bindings call
 * it directly, and the SDK's own `LegacyJsonRpcTransportHandler` sits in
 * front of it for v0.3 JSON-RPC clients (acp-bridge-legacy.ts), as it sits in
 * front of the runtime's handler for native agents. Errors are the catalog's
 * AgentmeshErrors; the v0.3 front converts them.
 *
 *   sendMessage           → `POST /runs` mode `stream`, read to the run's end
 *                           or await (`async` with returnImmediately); a
 *                           message naming an awaiting task resumes it
 *                           (`POST /runs/{id}`)
 *   sendMessageStream     → the same in mode `stream`, run events → A2A stream events
 *   getTask               → `GET /runs/{id}`
 *   cancelTask            → `POST /runs/{id}/cancel`
 *   resubscribe           → the run read until it ends or awaits
 *
 * A blocking send is made as a `stream` run rather than a `sync` one: the run
 * id comes with its first event, so a client that leaves before the answer
 * gets its run cancelled (nobody could read or pay for it), and the answer is
 * the run of its last event, with no polling (an `async` run read until it
 * ends would add up to a poll interval per call). Every ACP agent has the
 * `stream` mode (SendStreamingMessage needs it too).
 */
export class AcpBridgeHandler implements A2ARequestHandler {
  /** The ACP run the call is about, once known (the call's span names it). */
  runId: string | undefined;
  readonly #o: AcpBridgeHandlerOptions;

  constructor(options: AcpBridgeHandlerOptions) {
    this.#o = options;
  }

  async getAgentCard(): Promise<AgentCard> {
    return this.#o.card;
  }

  /** A run is always a task (never a bare message), whether the call waits for it or not. */
  async sendMessage(params: SendMessageRequest): Promise<Task> {
    if (params.configuration?.returnImmediately === true) {
      const { create, resume } = await this.#runRequestOf(params, 'async');
      const run = create !== undefined ? await this.#o.client.createRun(create) : await this.#o.client.resumeRun(resume!);
      // Recorded before the client learns the run id: its next call finds it.
      if (create !== undefined) await this.#claim(run.run_id);
      this.runId = run.run_id;
      return runToTask(run);
    }
    const { create, resume } = await this.#runRequestOf(params, 'stream');
    this.#o.blockingRun?.starting();
    const events = await this.#o.client.streamRun(create ?? resume!);
    const translator = new AcpStreamTranslator();
    let run: AcpRun | undefined;
    let kept = 0;
    const artifacts: Artifact[] = [];
    try {
      for await (const event of events) {
        if (event.type === 'error') throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status: 200, why: event.error.message.slice(0, 500) });
        if (!('run' in event)) {
          // Output messages: kept in case the last run event does not list them, within the limit a run answer has.
          if (event.type === 'message.completed') {
            kept += sizeOf(event.message);
            if (kept > this.#o.maxOutputBytes) throw Errors.acpBridgeTooLarge({ agent: this.#o.agent, maxBytes: this.#o.maxOutputBytes });
          }
          for (const r of translator.translate(event)) if (r.payload?.$case === 'artifactUpdate' && r.payload.value.artifact) artifacts.push(r.payload.value.artifact);
          continue;
        }
        if (run === undefined) {
          if (create !== undefined) await this.#claim(event.run.run_id);
          this.runId = event.run.run_id;
          this.#o.blockingRun?.started(event.run.run_id);
        }
        run = event.run;
        translator.translate(event);
        if (isFinalRunStatus(run.status) || run.status === 'awaiting') break;
      }
    } finally {
      await events.return(undefined);
    }
    if (run !== undefined && isFinalRunStatus(run.status)) this.#o.blockingRun?.ended();
    if (run === undefined || !(isFinalRunStatus(run.status) || run.status === 'awaiting')) {
      throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status: 200, why: run === undefined ? 'a stream without a run event' : `a stream that ended with the run ${run.status}` });
    }
    const task = runToTask(run);
    // A run whose last event lists no output still has the messages its events completed.
    if (task.artifacts.length === 0) task.artifacts = artifacts;
    return task;
  }

  async *sendMessageStream(params: SendMessageRequest): AsyncGenerator<StreamResponse, void, undefined> {
    const { create, resume } = await this.#runRequestOf(params, 'stream');
    const events = await this.#o.client.streamRun(create ?? resume!);
    yield* this.#translated(events, resume?.run_id, create !== undefined);
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    return runToTask(await this.#o.client.getRun(await this.#ownedRun(params.id)));
  }

  async cancelTask(params: CancelTaskRequest): Promise<Task> {
    return runToTask(await this.#o.client.cancelRun(await this.#ownedRun(params.id)));
  }

  /**
   * ACP has no way to follow a run that another request started, so the run
   * is read until it ends or awaits, each change relayed (docs/acp.md,
   * limits). A run that has ended has nothing to subscribe to.
   */
  async *resubscribe(params: SubscribeToTaskRequest): AsyncGenerator<StreamResponse, void, undefined> {
    const client = this.#o.client;
    const runId = await this.#ownedRun(params.id);
    const run = await client.getRun(runId);
    if (isFinalRunStatus(run.status)) throw Errors.taskNothingToSubscribe({ taskId: runId, state: run.status });
    const translator = new AcpStreamTranslator();
    yield* translator.translate({ type: 'run.created', run });
    let last: AcpRun = run;
    // A client that leaves ends the generator (the relay returns it): no read follows.
    while (!isFinalRunStatus(last.status) && last.status !== 'awaiting') {
      await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_POLL_MS).unref());
      last = await client.getRun(runId);
      yield* translator.translate({ type: eventTypeOf(last), run: last });
    }
  }

  listTasks(): Promise<never> {
    return this.#unsupported('ListTasks');
  }
  getAuthenticatedExtendedAgentCard(): Promise<never> {
    return this.#unsupported('GetExtendedAgentCard');
  }
  createTaskPushNotificationConfig(): Promise<never> {
    return this.#unsupported('CreateTaskPushNotificationConfig');
  }
  getTaskPushNotificationConfig(): Promise<never> {
    return this.#unsupported('GetTaskPushNotificationConfig');
  }
  listTaskPushNotificationConfigs(): Promise<never> {
    return this.#unsupported('ListTaskPushNotificationConfigs');
  }
  deleteTaskPushNotificationConfig(): Promise<never> {
    return this.#unsupported('DeleteTaskPushNotificationConfig');
  }

  async #unsupported(operation: string): Promise<never> {
    throw Errors.acpBridgeOperation({ operation, agent: this.#o.agent });
  }

  #claim(runId: string): Promise<void> {
    return this.#o.runs.claim(this.#o.agent, runId, this.#o.tenant);
  }

  /**
   * The run a task id names, when the caller's tenant started it: an ACP run
   * id is a UUID (any other id is no run), and another tenant's run is not
   * found, as another tenant's task is on a native agent.
   */
  async #ownedRun(id: string | undefined): Promise<string> {
    if (id === undefined || !isUuid(id) || !(await this.#o.runs.owns(this.#o.agent, id, this.#o.tenant))) throw Errors.taskNotFound({ taskId: id ?? '' });
    this.runId = id;
    return id;
  }

  /** A message as the ACP request it becomes: a new run, or the resume of the awaiting run it names (the caller's own). */
  async #runRequestOf(request: SendMessageRequest, mode: AcpRunMode): Promise<{ create?: AcpRunCreateRequest; resume?: AcpRunResumeRequest }> {
    const message = request.message;
    if (message === undefined) throw Errors.acpBridgeRefused({ agent: this.#o.agent, why: 'message is required' });
    const acp = a2aMessageToAcp(message);
    if (acp === undefined) throw Errors.acpBridgeRefused({ agent: this.#o.agent, why: 'an ACP message has at least one part' });
    const input: AcpMessage = { ...acp, role: 'user' };
    // The SDK's v0.3 translation leaves ids a v0.3 message did not carry undefined, not ''.
    if (message.taskId) {
      return { resume: { run_id: await this.#ownedRun(message.taskId), await_resume: { type: 'message', message: input }, mode } };
    }
    // ACP sessions are UUIDs: a context id that is one continues that session; any other starts a new one.
    const session = message.contextId && isUuid(message.contextId) ? message.contextId : randomUUID();
    return { create: { agent_name: this.#o.acpName, session_id: session, input: [input], mode } };
  }

  /**
   * ACP events as A2A stream responses. A resumed run's stream may start with
   * `run.in-progress` (ACP sends `run.created` once per run): the A2A stream
   * still starts with the task, read first.
   */
  async *#translated(events: AsyncGenerator<AcpEvent>, resumed: string | undefined, isNew: boolean): AsyncGenerator<StreamResponse> {
    const translator = new AcpStreamTranslator();
    try {
      for await (const event of events) {
        if (translator.task === undefined && resumed !== undefined && event.type !== 'run.created') {
          yield* translator.translate({ type: 'run.created', run: await this.#o.client.getRun(resumed) });
        }
        if (event.type === 'error') throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status: 200, why: event.error.message.slice(0, 500) });
        const known = translator.task !== undefined;
        const responses = translator.translate(event);
        // A new run is recorded as the caller's before the client sees its id.
        const task: Task | undefined = translator.task;
        if (!known && task !== undefined) {
          if (isNew) await this.#claim(task.id);
          this.runId = task.id;
        }
        yield* responses;
        // The A2A stream ends when the task ends or asks for input, as the runtime's does.
        if (event.type === 'run.awaiting' || event.type === 'run.completed' || event.type === 'run.failed' || event.type === 'run.cancelled') break;
      }
    } finally {
      await events.return(undefined);
    }
  }
}

/** About how many bytes a message's parts hold (what a blocking send keeps of it). */
function sizeOf(message: AcpMessage): number {
  let size = 0;
  for (const p of message.parts) size += 64 + (p.content?.length ?? 0) + (p.content_url?.length ?? 0) + (p.name?.length ?? 0);
  return size;
}

/** The run event that reports `run`'s status: a run created or cancelling (or of a status ACP 0.2 does not name) is still in progress. */
function eventTypeOf(run: AcpRun): Extract<AcpEvent, { run: AcpRun }>['type'] {
  switch (run.status) {
    case 'awaiting':
      return 'run.awaiting';
    case 'completed':
      return 'run.completed';
    case 'failed':
      return 'run.failed';
    case 'cancelled':
      return 'run.cancelled';
    default:
      return 'run.in-progress';
  }
}
