import { randomUUID } from 'node:crypto';
import { Readable, finished } from 'node:stream';
import { SendMessageRequest, StreamResponse, Task } from '@a2a-js/sdk';
import { AcpRunClient, AcpStreamTranslator, a2aMessageToAcp, isFinalRunStatus, isUuid, runToTask, type AcpEvent, type AcpMessage, type AcpRun, type AcpRunCreateRequest, type AcpRunMode, type AcpRunResumeRequest } from '../../acp/index.js';
import { Errors, isAgentmeshError, normalizeError, toJsonRpcErrorObject, toRestError, validateParams } from '../../protocol/index.js';
import type { AgentBridge } from '../../registry/index.js';
import type { ForwardResult } from '../routing/index.js';
import type { BridgedRuns } from '../bridged-runs.js';
import type { GatewayCall } from './gateway-call.js';

/**
 * The gateway's bridge to an external ACP agent (issue 19, docs/acp.md
 * "Bridged ACP agents through the gateway"): the A2A call a client sent, already authenticated,
 * authorized, metered and holding its credits, is made as ACP runs and
 * answered in the caller's binding (JSON-RPC or HTTP+JSON, A2A 1.0), so the
 * client cannot tell a bridged agent from a native one:
 *
 *   SendMessage           → `POST /runs` mode `sync` (`async` with returnImmediately);
 *                           a message naming an awaiting task → `POST /runs/{id}` (resume)
 *   SendStreamingMessage  → the same in mode `stream`, run events → A2A stream events
 *   GetTask               → `GET /runs/{id}`
 *   CancelTask            → `POST /runs/{id}/cancel`
 *   SubscribeToTask       → the run read until it ends or awaits, changes as stream events
 *
 * Loaded on the first call to a bridged agent (STYLE rule 15): native calls
 * never import it. Every answer goes through `tap` as the bytes the client
 * gets, so settlement reads it as it reads a native agent's.
 */
export async function bridgeToAcp(c: GatewayCall, o: BridgeOptions): Promise<ForwardResult> {
  const { bridge, headers, tap } = o;
  const started = performance.now();
  if (c.call.version !== '1.0') throw Errors.acpBridgeVersion({ agent: c.agent });
  // The ACP agent sees the gateway's assertion as a native agent does (Authorization), and may verify it.
  // A client that leaves before its answer is over stops the ACP request too, for the answer's whole life:
  // a stream's generators cannot be returned while a read of a silent ACP server is pending, only aborted.
  const abort = new AbortController();
  const raw = c.reply.raw;
  const left = (): void => {
    if (!raw.writableFinished) abort.abort();
  };
  raw.once('close', left);
  // A call that is not a stream is bounded as a native upstream call is (its headers and silences).
  const streams = c.call.operation === 'SendStreamingMessage' || c.call.operation === 'SubscribeToTask';
  const signal = streams ? abort.signal : AbortSignal.any([abort.signal, AbortSignal.timeout(o.timeoutMs ?? BRIDGE_TIMEOUT_MS)]);
  try {
    const client = new AcpRunClient({ baseUrl: bridge.url, agent: c.agent, headers, signal });
    return await bridgeCall({ c, bridge, client, out: new Answer(c, tap, () => undefined), runs: o.runs, tenant: c.principal!.tenant }, started);
  } finally {
    raw.off('close', left);
  }
}

/** How long a bridged call that is not a stream may take: the gateway's upstream request deadline (300 s). */
const BRIDGE_TIMEOUT_MS = 300_000;

/** What a bridged call is made with. */
export interface BridgeOptions {
  bridge: AgentBridge;
  /** The gateway's assertion and the request id, for the ACP agent. */
  headers: Record<string, string>;
  /** Sees the answer's bytes (settlement). */
  tap: ((chunk: Buffer) => void) | undefined;
  /** Who started each run: another tenant's run is not found. */
  runs: BridgedRuns;
  /** The deadline of a call that is not a stream, ms (default 300 s). */
  timeoutMs?: number | undefined;
}

/** One bridged call: the client's call, the ACP side, the answer, and whose runs it may see. */
interface Bridged {
  c: GatewayCall;
  bridge: AgentBridge;
  client: AcpRunClient;
  out: Answer;
  runs: BridgedRuns;
  tenant: string;
}

async function bridgeCall(b: Bridged, started: number): Promise<ForwardResult> {
  const { c, client, out } = b;
  const call = c.call;
  switch (call.operation) {
    case 'SendMessage':
      await sendMessage(b);
      break;
    case 'SendStreamingMessage':
      await streamMessage(b);
      break;
    case 'GetTask':
      await out.json(Task.toJSON(runToTask(await client.getRun(await ownedRun(b, call.taskId)))));
      break;
    case 'CancelTask':
      await out.json(Task.toJSON(runToTask(await client.cancelRun(await ownedRun(b, call.taskId)))));
      break;
    case 'SubscribeToTask':
      await subscribe(b);
      break;
    default:
      throw Errors.acpBridgeOperation({ operation: call.operation, agent: c.agent });
  }
  return { instance: b.bridge.url, status: out.status, durationMs: performance.now() - started, retried: 0, contentType: out.contentType, bodyError: out.bodyError };
}

/**
 * The run a task id names, when the caller's tenant started it: an ACP run
 * id is a UUID (any other id is no run), and another tenant's run is not
 * found, as another tenant's task is on a native agent.
 */
async function ownedRun(b: Bridged, id: string | undefined): Promise<string> {
  if (id === undefined || !isUuid(id) || !(await b.runs.owns(b.c.agent, id, b.tenant))) throw Errors.taskNotFound({ taskId: id ?? '' });
  return id;
}

/** The SendMessage params of the call (JSON-RPC `params`, or the REST body), checked as the runtime checks them. */
function sendRequestOf(c: GatewayCall): SendMessageRequest {
  const body = c.body as Record<string, unknown> | undefined;
  const params = c.call.binding === 'JSONRPC' ? (body?.['params'] as Record<string, unknown> | undefined) : body;
  return SendMessageRequest.fromJSON(validateParams(c.call.operation, params ?? {}));
}

/** A message as the ACP request it becomes: a new run, or the resume of the awaiting run it names (the caller's own). */
async function runRequestOf(b: Bridged, request: SendMessageRequest, mode: AcpRunMode): Promise<{ create?: AcpRunCreateRequest; resume?: AcpRunResumeRequest }> {
  const { c, bridge } = b;
  const message = request.message;
  if (message === undefined) throw Errors.acpBridgeRefused({ agent: c.agent, why: 'message is required' });
  const acp = a2aMessageToAcp(message);
  if (acp === undefined) throw Errors.acpBridgeRefused({ agent: c.agent, why: 'an ACP message has at least one part' });
  const input: AcpMessage = { ...acp, role: 'user' };
  if (message.taskId !== '') {
    return { resume: { run_id: await ownedRun(b, message.taskId), await_resume: { type: 'message', message: input }, mode } };
  }
  // ACP sessions are UUIDs: a context id that is one continues that session; any other starts a new one.
  const session = isUuid(message.contextId) ? message.contextId : randomUUID();
  return { create: { agent_name: bridge.agentName, session_id: session, input: [input], mode } };
}

async function sendMessage(b: Bridged): Promise<void> {
  const request = sendRequestOf(b.c);
  const immediate = request.configuration?.returnImmediately === true;
  const { create, resume } = await runRequestOf(b, request, immediate ? 'async' : 'sync');
  const run = create !== undefined ? await b.client.createRun(create) : await b.client.resumeRun(resume!);
  // Recorded before the client learns the run id: its next call finds it.
  if (create !== undefined) await b.runs.claim(b.c.agent, run.run_id, b.tenant);
  await b.out.json({ task: Task.toJSON(runToTask(run)) });
}

async function streamMessage(b: Bridged): Promise<void> {
  const { create, resume } = await runRequestOf(b, sendRequestOf(b.c), 'stream');
  const events = await b.client.streamRun(create ?? resume!);
  const claim = create !== undefined ? (runId: string) => b.runs.claim(b.c.agent, runId, b.tenant) : undefined;
  await b.out.stream(translated(b.c.agent, events, { client: b.client, resumed: resume?.run_id, claim }));
}

/**
 * ACP events as A2A stream responses. A resumed run's stream may start with
 * `run.in-progress` (ACP sends `run.created` once per run): the A2A stream
 * still starts with the task, read first.
 */
async function* translated(agent: string, events: AsyncGenerator<AcpEvent>, o: { client: AcpRunClient; resumed: string | undefined; claim: ((runId: string) => Promise<void>) | undefined }): AsyncGenerator<StreamResponse> {
  const translator = new AcpStreamTranslator();
  try {
    for await (const event of events) {
      if (translator.task === undefined && o.resumed !== undefined && event.type !== 'run.created') {
        yield* translator.translate({ type: 'run.created', run: await o.client.getRun(o.resumed) });
      }
      if (event.type === 'error') throw Errors.acpBridgeAnswer({ agent, status: 200, why: event.error.message.slice(0, 500) });
      const known = translator.task !== undefined;
      const responses = translator.translate(event);
      // A new run is recorded as the caller's before the client sees its id.
      const task: Task | undefined = translator.task;
      if (!known && task !== undefined) await o.claim?.(task.id);
      yield* responses;
      // The A2A stream ends when the task ends or asks for input, as the runtime's does.
      if (event.type === 'run.awaiting' || event.type === 'run.completed' || event.type === 'run.failed' || event.type === 'run.cancelled') break;
    }
  } finally {
    await events.return(undefined);
  }
}

/** How long a subscription waits between two reads of the run. */
const SUBSCRIBE_POLL_MS = 250;

/**
 * SubscribeToTask: ACP has no way to follow a run that another request
 * started, so the run is read until it ends or awaits, each change relayed
 * (docs/acp.md, limits). A run that has ended has nothing to subscribe to.
 */
async function subscribe(b: Bridged): Promise<void> {
  const { client, out } = b;
  const runId = await ownedRun(b, b.c.call.taskId);
  const run = await client.getRun(runId);
  if (isFinalRunStatus(run.status)) throw Errors.taskNothingToSubscribe({ taskId: runId, state: run.status });
  async function* polled(): AsyncGenerator<StreamResponse> {
    const translator = new AcpStreamTranslator();
    yield* translator.translate({ type: 'run.created', run });
    let last: AcpRun = run;
    // A client that leaves ends the generator (the relay returns it): no read follows.
    while (!isFinalRunStatus(last.status) && last.status !== 'awaiting') {
      await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_POLL_MS).unref());
      last = await client.getRun(runId);
      yield* translator.translate({ type: eventTypeOf(last), run: last } as AcpEvent);
    }
  }
  await out.stream(polled());
}

function eventTypeOf(run: AcpRun): AcpEvent['type'] {
  return run.status === 'cancelling' ? 'run.in-progress' : (`run.${run.status === 'created' ? 'in-progress' : run.status}` as AcpEvent['type']);
}

/** The answer in the caller's binding, every byte shown to the tap. */
class Answer {
  status = 200;
  contentType: string | undefined;
  bodyError: unknown;
  readonly #c: GatewayCall;
  readonly #tap: ((chunk: Buffer) => void) | undefined;
  readonly #starting: () => void;

  constructor(c: GatewayCall, tap: ((chunk: Buffer) => void) | undefined, starting: () => void) {
    this.#c = c;
    this.#tap = tap;
    this.#starting = starting;
  }

  /** A JSON result: in a JSON-RPC envelope, or the REST body as is. */
  async json(result: unknown): Promise<void> {
    const c = this.#c;
    const body = Buffer.from(c.call.binding === 'JSONRPC' ? JSON.stringify({ jsonrpc: '2.0', id: c.call.jsonRpcId ?? null, result }) : JSON.stringify(result));
    this.#tap?.(body);
    this.#starting();
    this.contentType = 'application/json';
    const over = new Promise<void>((resolve) => finished(c.reply.raw, () => resolve()));
    c.reply.code(200).header('content-type', 'application/json').send(body);
    await over;
  }

  /**
   * An SSE stream of A2A stream responses. The first is awaited before the
   * headers go out, so a refusal is still answered as an error; one that
   * comes later is the stream's last event, in the binding's error shape.
   */
  async stream(responses: AsyncGenerator<StreamResponse>): Promise<void> {
    const c = this.#c;
    const first = await responses.next();
    // An A2A stream starts with the task: an ACP stream that ended before any run event is the agent's failure.
    if (first.done) throw Errors.acpBridgeAnswer({ agent: c.agent, status: 200, why: 'a stream without a run event' });
    const frame = (value: unknown): Buffer => {
      const data = c.call.binding === 'JSONRPC' ? JSON.stringify({ jsonrpc: '2.0', id: c.call.jsonRpcId ?? null, ...(isErrorFrame(value) ? { error: value.error } : { result: value }) }) : JSON.stringify(isErrorFrame(value) ? value.rest : value);
      const chunk = Buffer.from(`data: ${data}\n\n`);
      this.#tap?.(chunk);
      return chunk;
    };
    const requestId = String(c.request.id);
    const failed = (err: unknown): void => {
      this.bodyError = err;
    };
    async function* body(): AsyncGenerator<Buffer> {
      try {
        yield frame(StreamResponse.toJSON(first.value));
        for await (const r of responses) yield frame(StreamResponse.toJSON(r));
      } catch (err) {
        failed(err);
        const error = isAgentmeshError(err) ? err : normalizeError(err, requestId);
        yield frame({ [ERROR_FRAME]: true, error: toJsonRpcErrorObject(error, requestId), rest: toRestError(error, requestId).body });
      } finally {
        await responses.return(undefined);
      }
    }
    this.#starting();
    this.contentType = 'text/event-stream';
    c.reply.code(200).headers({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const over = new Promise<void>((resolve) => finished(c.reply.raw, () => resolve()));
    c.reply.send(Readable.from(body()));
    await over;
  }
}

const ERROR_FRAME = Symbol('error frame');

function isErrorFrame(value: unknown): value is { error: unknown; rest: unknown } {
  return typeof value === 'object' && value !== null && ERROR_FRAME in value;
}
