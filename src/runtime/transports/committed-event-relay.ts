import type { FirstEvent, SseStream } from '../../http/index.js';
import type { CommittedEvent } from '../task-events.js';

/*
 * A task's committed events sent on an SSE stream opened with the first of
 * them in hand (openSseWithFirst): what the JSON-RPC and HTTP+JSON bindings
 * share. Each payload goes between `prefix` and `suffix` (a JSON-RPC
 * envelope, or nothing for HTTP+JSON), with its seq as the event id.
 */

/**
 * Sends the first event, unless the events ended before one (then
 * undefined); throws the error that came instead. A message answer (seq 0)
 * goes without an event id: nothing backs a resumption. Its payload is
 * returned: it names the task, for the log line of an error later in the stream.
 */
export function sendFirstCommittedEvent(stream: SseStream, opened: FirstEvent<CommittedEvent>, prefix: string, suffix: string): string | undefined {
  if (!opened.ok) throw opened.error;
  const first = opened.result;
  if (first.done) return undefined;
  stream.send(prefix + first.value.payload + suffix, first.value.seq > 0 ? first.value.seq : undefined);
  return first.value.payload;
}

/** Sends the events after the first until they end or the client leaves. */
export async function sendCommittedEvents(stream: SseStream, events: AsyncIterable<CommittedEvent>, prefix: string, suffix: string): Promise<void> {
  for await (const e of events) {
    if (stream.closed) break;
    stream.send(prefix + e.payload + suffix, e.seq);
  }
}
