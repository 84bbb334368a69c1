import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Reads a Server-Sent Events body (WHATWG HTML §9.2.6, parsed by
 * `eventsource-parser`) and awaits `onEvent` for each event in order: a slow
 * handler holds the stream back (TCP backpressure on the sender) instead of
 * piling events up. Resolves when the sender ends the stream; rejects when
 * the read fails or is aborted. Silence is the caller's transport's
 * business (undici's body timeout).
 */
export async function forEachSseEvent(body: AsyncIterable<Uint8Array>, onEvent: (event: EventSourceMessage) => Promise<void>): Promise<void> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) await onEvent(pending.shift()!);
  }
}

export type { EventSourceMessage };
