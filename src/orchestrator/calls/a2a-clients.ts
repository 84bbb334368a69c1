import { AgentCard } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { parseRetryAfter, type ResponseNote } from './call-failure.js';

/** Clients kept, one per agent base URL (oldest dropped past it). */
const MAX_CLIENTS = 1_000;

/** One request's abort switch: fired by the caller's signal, a deadline, or the caller closing the stream. */
export interface RequestSwitch {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Unties the switch from the caller's signal (the attempt is over). */
  done(): void;
}

/**
 * The official SDK's JSON-RPC clients (A2A 1.0), one per agent base URL,
 * built once from a card naming just that endpoint: agentmesh runtimes and
 * the gateway serve JSON-RPC at the agent's base URL, so no card is fetched
 * on the hot path. Their fetch notes each answer's status and `Retry-After`
 * per request signal (the SDK folds HTTP errors into plain errors), and
 * bounds the wait for an answer to start; streams themselves may run long.
 */
export class A2aClients {
  readonly #clients = new Map<string, Client>();
  readonly #notes = new WeakMap<AbortSignal, ResponseNote>();
  readonly #switches = new WeakMap<AbortSignal, AbortController>();
  readonly #factory: ClientFactory;

  constructor(o: { fetch: typeof fetch; requestTimeoutMs: number }) {
    const base = o.fetch;
    const timeoutMs = o.requestTimeoutMs;
    const notes = this.#notes;
    const switches = this.#switches;
    const noting: typeof fetch = async (input, init) => {
      const signal = init?.signal ?? undefined;
      const controller = signal ? switches.get(signal) : undefined;
      const timer = controller ? setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs) : undefined;
      try {
        // No redirects: a redirected POST would carry the token and delegation headers elsewhere.
        // (`redirect: 'error'` with no window also spares undici a clone of every request.)
        const response = await base(input, { ...init, redirect: 'error', window: null });
        if (signal) notes.set(signal, { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
        return response;
      } finally {
        clearTimeout(timer);
      }
    };
    this.#factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: noting })] });
  }

  /** The client of the agent at `baseUrl` (its JSON-RPC endpoint). */
  async client(baseUrl: string): Promise<Client> {
    const known = this.#clients.get(baseUrl);
    if (known) return known;
    const card = AgentCard.fromJSON({ name: baseUrl, supportedInterfaces: [{ url: baseUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }], capabilities: { streaming: true } });
    const client = await this.#factory.createFromAgentCard(card);
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
