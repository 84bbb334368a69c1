import type { FastifyInstance } from 'fastify';
import { A2ACallError, type JsonRpcErrorObject } from './call-error.js';

/**
 * A2A v1 JSON-RPC calls to one agent through the runtime's Fastify app
 * (`app.inject`): the real routes, validation and serialization, with no
 * socket, so tests run fast and side by side.
 */
export class InjectRpc {
  readonly #app: FastifyInstance;
  readonly #path: string;
  #id = 0;

  constructor(app: FastifyInstance, agentName: string) {
    this.#app = app;
    this.#path = `/agents/${encodeURIComponent(agentName)}/`;
  }

  /** Calls `method`; resolves with its `result`, rejects with {@link A2ACallError}. */
  async call(method: string, params: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const response = await this.#app.inject({ method: 'POST', url: this.#path, headers: { ...HEADERS, ...headers }, payload: this.#envelope(method, params) });
    const body = parseJson(response.body, method, response.statusCode) as { result?: unknown; error?: JsonRpcErrorObject };
    if (body.error) throw new A2ACallError(method, body.error);
    return body.result;
  }

  /**
   * Calls a streaming `method`; resolves with the SSE body as a byte stream
   * once the agent answers, rejects with {@link A2ACallError} when the agent
   * refused the call before streaming.
   */
  async stream(method: string, params: unknown, headers: Record<string, string> = {}): Promise<NodeJS.ReadableStream & AsyncIterable<Buffer | string> & { destroy(): void }> {
    const response = await this.#app.inject({ method: 'POST', url: this.#path, headers: { ...HEADERS, ...headers, accept: 'text/event-stream' }, payload: this.#envelope(method, params), payloadAsStream: true });
    const stream = response.stream() as NodeJS.ReadableStream & AsyncIterable<Buffer | string> & { destroy(): void };
    if (String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) return stream;
    // Refused before the stream opened: the answer is a JSON-RPC error.
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    const body = parseJson(text, method, response.statusCode) as { error?: JsonRpcErrorObject };
    throw new A2ACallError(method, body.error ?? { code: -32603, message: `unexpected answer (HTTP ${response.statusCode}): ${text.slice(0, 200)}` });
  }

  #envelope(method: string, params: unknown): string {
    return JSON.stringify({ jsonrpc: '2.0', id: ++this.#id, method, params });
  }
}

const HEADERS = { 'content-type': 'application/json', 'a2a-version': '1.0' };

function parseJson(text: string, method: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new A2ACallError(method, { code: -32603, message: `the agent answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}` });
  }
}
