/**
 * The A2A calls of Try it, made as any client makes them: JSON-RPC to the
 * gateway's `/agents/{name}` with the signed-in caller's credential
 * (A2A v1.0 §9: SendStreamingMessage, CancelTask), streamed answers read as
 * server-sent events.
 */
import { actingHeaders } from './acting.js';
import { authHeaders, session } from './session.js';
import { readFrames } from './sse-frames.js';
import type { Exchange } from './exchange.js';

export type { Exchange } from './exchange.js';

function headers(extra: Record<string, string>): Record<string, string> {
  const current = session.get();
  if (current === null) throw new Error('signed out');
  // A platform admin's calls go as the tenant it acts in (acting.ts); the admin token itself is no A2A credential.
  return { 'content-type': 'application/json', 'a2a-version': '1.0', ...(actingHeaders() ?? authHeaders(current.credential)), ...extra };
}

let nextId = 1;

/** A user message: text, or one data part (a skill's typed input). */
export function userMessage(input: { text: string } | { data: unknown }, options: { skillId?: string; taskId?: string; contextId?: string }) {
  return {
    messageId: crypto.randomUUID(),
    role: 'ROLE_USER',
    parts: ['text' in input ? { text: input.text } : { data: input.data }],
    ...(options.taskId !== undefined && { taskId: options.taskId }),
    ...(options.contextId !== undefined && { contextId: options.contextId }),
    ...(options.skillId !== undefined && { metadata: { skillId: options.skillId } }),
  };
}

/**
 * Sends `message` with SendStreamingMessage and calls `onEvent` for each
 * frame until the stream ends or `signal` aborts it.
 */
export function sendStreaming(agent: string, message: unknown, onEvent: (e: Exchange) => void, signal: AbortSignal): Promise<void> {
  return streamCall(agent, 'SendStreamingMessage', { message }, onEvent, signal);
}

/** SubscribeToTask (A2A §9.4.6): the task as it is now, then its events until it ends or `signal` aborts. */
export function subscribeToTask(agent: string, taskId: string, onEvent: (e: Exchange) => void, signal: AbortSignal): Promise<void> {
  return streamCall(agent, 'SubscribeToTask', { id: taskId }, onEvent, signal);
}

/** A streaming JSON-RPC call: each SSE frame's data to `onEvent`; a JSON answer (an error) as one frame. */
async function streamCall(agent: string, method: string, params: unknown, onEvent: (e: Exchange) => void, signal: AbortSignal): Promise<void> {
  const request = { jsonrpc: '2.0', id: nextId++, method, params };
  onEvent({ direction: 'sent', at: Date.now(), body: request });
  const res = await fetch(`/agents/${encodeURIComponent(agent)}`, { method: 'POST', headers: headers({ accept: 'text/event-stream' }), body: JSON.stringify(request), signal });
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || res.body === null) {
    onEvent({ direction: 'received', at: Date.now(), body: await res.json().catch(() => ({ status: res.status })) });
    return;
  }
  await readFrames(res.body, (_event, data) => {
    if (data === '') return;
    try {
      onEvent({ direction: 'received', at: Date.now(), body: JSON.parse(data) });
    } catch {
      onEvent({ direction: 'received', at: Date.now(), body: data });
    }
  });
}

/** CancelTask (A2A §9.4.5); its answer is returned as the exchange it was. */
export async function cancelTask(agent: string, taskId: string, onEvent: (e: Exchange) => void): Promise<void> {
  const request = { jsonrpc: '2.0', id: nextId++, method: 'CancelTask', params: { id: taskId } };
  onEvent({ direction: 'sent', at: Date.now(), body: request });
  const res = await fetch(`/agents/${encodeURIComponent(agent)}`, { method: 'POST', headers: headers({ accept: 'application/json' }), body: JSON.stringify(request) });
  onEvent({ direction: 'received', at: Date.now(), body: await res.json().catch(() => ({ status: res.status })) });
}

/** One JSON-RPC call to an agent through the gateway; the `result`, or an Error with the A2A error's message. */
export async function rpc<T>(agent: string, method: string, params: unknown): Promise<T> {
  const res = await fetch(`/agents/${encodeURIComponent(agent)}`, { method: 'POST', headers: headers({ accept: 'application/json' }), body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) });
  const body = (await res.json().catch(() => undefined)) as { result?: T; error?: { message?: string } } | undefined;
  if (body?.result !== undefined) return body.result;
  throw new Error(body?.error?.message ?? `${method} on ${agent} answered ${res.status}`);
}
