import { StreamResponse } from '@a2a-js/sdk';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isRecord, parseRetryAfter } from '../../protocol/index.js';
import type { StreamingPost } from './streaming-post.js';

/** The A2A 1.0 JSON-RPC methods answered with a stream (A2A §9.4). */
export type StreamingMethod = 'SendStreamingMessage' | 'SubscribeToTask';

/** A JSON-RPC error as an agent answered it: its envelope code, message, and the agentmesh code of its ErrorInfo. */
export interface RpcError {
  message: string;
  envelope: number | undefined;
  code: string | undefined;
}

/**
 * An agent's refusal of a streamed call: an HTTP status other than 200
 * (`status`, with `Retry-After`), or a JSON-RPC error in the body or in a
 * stream event (`rpc`). What it means for a retry is call-failure.ts' call.
 */
export class AgentAnswerError extends Error {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly rpc: RpcError | undefined;

  constructor(message: string, o: { status?: number | undefined; retryAfterMs?: number | undefined; rpc?: RpcError | undefined }) {
    super(message);
    this.name = 'AgentAnswerError';
    this.status = o.status;
    this.retryAfterMs = o.retryAfterMs;
    this.rpc = o.rpc;
  }
}

/** What is read of an error answer's body to quote it, characters. */
const QUOTED_BODY = 200;

/**
 * Calls a streaming A2A JSON-RPC method and yields its events as the SDK's
 * wire types, parsed as the SDK's JSON-RPC transport parses them (each SSE
 * event one JSON-RPC response of the request's id, its `result` a
 * StreamResponse), without its fetch and WHATWG streams: the orchestrator
 * reads one such stream per step and per map unit (ADR 0082).
 *
 * @throws AgentAnswerError for a status other than 200 or a JSON-RPC error; Error for a malformed answer (a broken peer or connection: transient).
 */
export async function* streamJsonRpc(post: StreamingPost, url: string, method: StreamingMethod, params: unknown, o: { id: number; headers: Record<string, string>; signal: AbortSignal }): AsyncGenerator<StreamResponse, void, undefined> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: o.id });
  const answer = await post(url, { headers: { ...o.headers, 'content-type': 'application/json', accept: 'text/event-stream', 'a2a-version': '1.0' }, body, signal: o.signal });
  if (answer.status >= 300 && answer.status < 400) {
    await answer.text().catch(() => undefined);
    throw new AgentAnswerError('the agent answered with a redirect, which A2A calls do not follow: check its URL', { status: answer.status });
  }
  const streamed = answer.header('content-type')?.startsWith('text/event-stream') === true;
  if (answer.status !== 200 || !streamed) {
    const text = await answer.text();
    const rpc = rpcErrorOfBody(text);
    const status = answer.status === 200 ? undefined : answer.status;
    if (rpc === undefined && status === undefined) throw new Error(`the agent answered ${method} with ${answer.header('content-type') ?? 'no content type'}, not an event stream`);
    throw new AgentAnswerError(rpc?.message ?? `HTTP ${answer.status}: ${text.slice(0, QUOTED_BODY) || '(empty)'}`, { status, retryAfterMs: parseRetryAfter(answer.header('retry-after')), rpc });
  }
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of answer.body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    for (let i = 0; i < pending.length; i++) yield eventOf(pending[i]!.data, o.id);
    pending.length = 0;
  }
}

/** One SSE event's data: a JSON-RPC response to request `id` (A2A §9.4.2). */
function eventOf(data: string, id: number): StreamResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new Error(`an event of the stream is not JSON: ${data.slice(0, QUOTED_BODY)}`);
  }
  if (!isRecord(parsed) || parsed['jsonrpc'] !== '2.0') throw new Error('an event of the stream is not a JSON-RPC 2.0 response');
  if (parsed['id'] !== id) throw new Error(`an event of the stream answers request ${JSON.stringify(parsed['id'])}, not ${id}`);
  const rpc = rpcErrorOf(parsed['error']);
  if (rpc !== undefined) throw new AgentAnswerError(rpc.message, { rpc });
  const result = parsed['result'];
  if (!isRecord(result)) throw new Error('an event of the stream has no result');
  return StreamResponse.fromJSON(result);
}

/** The JSON-RPC error of an answer's body, if it is one. */
function rpcErrorOfBody(text: string): RpcError | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? rpcErrorOf(parsed['error']) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON-RPC `error` member: its code, message, and the `code` of a `google.rpc.ErrorInfo` in its data (A2A §9.5). */
export function rpcErrorOf(error: unknown): RpcError | undefined {
  if (!isRecord(error)) return undefined;
  const envelope = typeof error['code'] === 'number' ? error['code'] : undefined;
  const message = typeof error['message'] === 'string' ? error['message'] : 'the agent answered with an error';
  const data = error['data'];
  let code: string | undefined;
  if (Array.isArray(data)) {
    for (const detail of data) {
      const metadata = isRecord(detail) ? detail['metadata'] : undefined;
      if (isRecord(metadata) && typeof metadata['code'] === 'string') {
        code = metadata['code'];
        break;
      }
    }
  }
  return { message, envelope, code };
}
