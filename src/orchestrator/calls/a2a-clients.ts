import { AgentCard, SendMessageRequest, SubscribeToTaskRequest, type CancelTaskRequest, type GetTaskRequest, type StreamResponse, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, type RequestOptions } from '@a2a-js/sdk/client';
import { parseRetryAfter, type ResponseNote } from './call-failure.js';
import { streamJsonRpc } from './json-rpc-stream.js';
import type { StreamingPost } from './streaming-post.js';

/** Clients kept, one per agent base URL (oldest dropped past it). */
const MAX_CLIENTS = 1_000;

/**
 * An agent's A2A 1.0 JSON-RPC endpoint as the caller uses it: its streams
 * (a step's call, an answer, a subscription) read by json-rpc-stream.ts,
 * the rare unary calls (a task read, a cancel) made by the official SDK's
 * client. Both speak the SDK's wire types.
 */
export interface AgentClient {
  sendMessageStream(request: SendMessageRequest, options: RequestOptions): AsyncGenerator<StreamResponse, void, undefined>;
  resubscribeTask(request: SubscribeToTaskRequest, options: RequestOptions): AsyncGenerator<StreamResponse, void, undefined>;
  getTask(request: GetTaskRequest, options: RequestOptions): Promise<Task>;
  cancelTask(request: CancelTaskRequest, options: RequestOptions): Promise<Task>;
}

/** One request's abort switch: fired by the caller's signal, a deadline, or the caller closing the stream. */
export interface RequestSwitch {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Unties the switch from the caller's signal (the attempt is over). */
  done(): void;
}

/**
 * The agents' JSON-RPC endpoints (A2A 1.0), one {@link AgentClient} per
 * base URL, built once from a card naming just that endpoint: agentmesh
 * runtimes and the gateway serve JSON-RPC at the agent's base URL, so no
 * card is fetched on the hot path. The SDK client's fetch notes each
 * answer's status and `Retry-After` per request signal (the SDK folds HTTP
 * errors into plain errors); streams carry theirs in their errors. Both
 * bound the wait for an answer to start; streams themselves may run long.
 */
export class A2aClients {
  readonly #clients = new Map<string, AgentClient>();
  readonly #notes = new WeakMap<AbortSignal, ResponseNote>();
  readonly #switches = new WeakMap<AbortSignal, AbortController>();
  readonly #factory: ClientFactory;
  readonly #post: StreamingPost;
  /** JSON-RPC ids of this caller's streams. */
  #nextId = 1;

  constructor(o: { fetch: typeof fetch; post: StreamingPost; requestTimeoutMs: number }) {
    const base = o.fetch;
    const timeoutMs = o.requestTimeoutMs;
    const notes = this.#notes;
    const switches = this.#switches;
    const timed = <T>(signal: AbortSignal | null | undefined, send: () => Promise<T>): Promise<T> => {
      const controller = signal ? switches.get(signal) : undefined;
      if (controller === undefined) return send();
      const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
      return send().finally(() => clearTimeout(timer));
    };
    this.#post = (url, request) => timed(request.signal, () => o.post(url, request));
    const noting: typeof fetch = (input, init) => {
      const signal = init?.signal ?? undefined;
      return timed(signal, async () => {
        // No redirects: a redirected POST would carry the token and delegation headers elsewhere.
        // (`redirect: 'error'` with no window also spares undici a clone of every request.)
        const response = await base(input, { ...init, redirect: 'error', window: null });
        if (signal) notes.set(signal, { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
        return response;
      });
    };
    this.#factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: noting })] });
  }

  /** The client of the agent at `baseUrl` (its JSON-RPC endpoint). */
  async client(baseUrl: string): Promise<AgentClient> {
    const known = this.#clients.get(baseUrl);
    if (known) return known;
    const card = AgentCard.fromJSON({ name: baseUrl, supportedInterfaces: [{ url: baseUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }], capabilities: { streaming: true } });
    const sdk = await this.#factory.createFromAgentCard(card);
    const stream = (method: 'SendStreamingMessage' | 'SubscribeToTask', params: unknown, options: RequestOptions) =>
      streamJsonRpc(this.#post, baseUrl, method, params, { id: this.#nextId++, headers: { ...options.serviceParameters }, signal: options.signal ?? new AbortController().signal });
    const client: AgentClient = {
      sendMessageStream: (request, options) => stream('SendStreamingMessage', SendMessageRequest.toJSON(request), options),
      resubscribeTask: (request, options) => stream('SubscribeToTask', SubscribeToTaskRequest.toJSON(request), options),
      getTask: (request, options) => sdk.getTask(request, options),
      cancelTask: (request, options) => sdk.cancelTask(request, options),
    };
    if (this.#clients.size >= MAX_CLIENTS) this.#clients.delete(this.#clients.keys().next().value!);
    this.#clients.set(baseUrl, client);
    return client;
  }

  /**
   * A switch for the requests of one attempt, fired when `parent` is.
   * (A listener rather than AbortSignal.any: on Node 20 every `any` over a
   * long-lived run signal costs tens of µs and stays referenced by it.)
   */
  open(parent: AbortSignal): RequestSwitch {
    const controller = new AbortController();
    const follow = () => controller.abort(parent.reason);
    if (parent.aborted) follow();
    else parent.addEventListener('abort', follow, { once: true });
    this.#switches.set(controller.signal, controller);
    return {
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      done: () => parent.removeEventListener('abort', follow),
    };
  }

  /** What the last answer to a request made with `signal` said, if one came. */
  note(signal: AbortSignal): ResponseNote | undefined {
    return this.#notes.get(signal);
  }
}
