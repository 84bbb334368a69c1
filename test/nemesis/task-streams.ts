/**
 * Subscriptions in the task workload: SubscribeToTask read frame by frame, recorded as `subscribe`
 * (from the snapshot) or `resubscribe` (with Last-Event-ID) with every frame of the log it showed
 * (test/history/README.md, "Operations"). A subscription is a read: one cut by a fault or a timeout
 * certainly did nothing, so it ends `fail`, still carrying the frames it read.
 */
import { createHash } from 'node:crypto';
import type { Target } from './a2a-call.js';
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import { sseFrames, type SseFrame } from '../helpers/sse-frames.js';

const TERMINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

/**
 * The hash the history's events carry, of the event as JSON re-serialized: the same for the payload
 * the log stores and for the `result` a stream's frame wraps it in.
 */
export function eventHash(event: unknown): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 16);
}

const KINDS: Record<string, string> = { task: 'task', statusUpdate: 'status', artifactUpdate: 'artifact', message: 'history' };

/** A stream frame's `result` as the history's event: its kind and the state it leaves the task in. */
export function frameEvent(seq: number, result: Record<string, unknown>): { seq: number; kind?: string; state?: string; hash: string } {
  const key = Object.keys(result)[0] ?? '';
  const body = result[key] as { status?: { state?: unknown } } | undefined;
  const state = body?.status?.state;
  const kind = KINDS[key];
  return { seq, ...(kind === undefined ? {} : { kind }), ...(typeof state === 'string' ? { state } : {}), hash: eventHash(result) };
}

export interface StreamRead {
  /** The last seq read (the Last-Event-ID to resume after). */
  last: number;
  end: 'terminal' | 'closed' | 'cut';
}

/**
 * Subscribes to `taskId` at `url` (after `after`, when given), reads for at most `readMs`, and
 * records the operation as process `process`. Resolves with where it stopped.
 */
export async function subscribeOnce(recorder: HistoryRecorder, process: number, node: Target, taskId: string, after: number | undefined, readMs: number): Promise<StreamRead> {
  const f = after === undefined ? F.subscribe : F.resubscribe;
  const op = recorder.invoke(process, f, taskId, after === undefined ? {} : { after }, node.name);
  const events: Array<ReturnType<typeof frameEvent>> = [];
  let snapshot: { version: number; state: string } | undefined;
  let last = after ?? 0;
  const closeAt = new AbortController();
  const timer = setTimeout(() => closeAt.abort(), readMs);
  let end: StreamRead['end'] = 'cut';
  let error: string | undefined;
  try {
    const response = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...node.headers, accept: 'text/event-stream', ...(after === undefined ? {} : { 'last-event-id': String(after) }) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: taskId } }),
      signal: closeAt.signal,
    });
    if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const text = await response.text();
      // A finished task has nothing to subscribe to (A2A §9.4.6: UnsupportedOperationError): a definite
      // answer, which says the task is terminal.
      if (/"code":-32004\b/.test(text) && /nothing to subscribe to/.test(text)) {
        recorder.ok(op, { rejected: 'terminal', events: [], end: 'terminal' });
        return { last, end: 'terminal' };
      }
      recorder.fail(op, { error: `${response.status} ${text.slice(0, 160)}` });
      return { last, end: 'cut' };
    }
    const frames = sseFrames(response.body);
    for (;;) {
      let frame: SseFrame | undefined;
      try {
        frame = await frames.next();
      } catch (err) {
        if (closeAt.signal.aborted) end = 'closed';
        else error = String(err);
        break;
      }
      if (frame === undefined) break;
      // A block without data (the server's keep-alive comment) dispatches no event (WHATWG SSE).
      if (frame.data === undefined) continue;
      const result: unknown = frame.data.result;
      if (typeof result !== 'object' || result === null) {
        error = `a frame without a result: ${JSON.stringify(frame.data).slice(0, 160)}`;
        break;
      }
      const seq = Number(frame.id);
      const event = frameEvent(seq, result as Record<string, unknown>);
      if (after === undefined && snapshot === undefined && events.length === 0 && event.kind === 'task') {
        snapshot = { version: seq, state: event.state ?? 'absent' };
        last = seq;
        if (TERMINAL.has(snapshot.state)) end = 'terminal';
        continue;
      }
      events.push(event);
      last = seq;
      if (event.state !== undefined && TERMINAL.has(event.state)) end = 'terminal';
    }
  } catch (err) {
    if (closeAt.signal.aborted) end = 'closed';
    else error = String(err);
  } finally {
    clearTimeout(timer);
  }
  const value = { ...(snapshot === undefined ? {} : { snapshot }), ...(after === undefined ? {} : { after }), events, end };
  if (end === 'cut') recorder.fail(op, { ...value, error: error ?? 'the stream ended before the terminal event' });
  else recorder.ok(op, value);
  return { last, end };
}
