import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Errors } from '../../protocol/index.js';

/**
 * Reads a Server-Sent Events body (WHATWG HTML §9.2.6, parsed by
 * `eventsource-parser`) and awaits `onEvent` for each event in order, so a
 * slow handler holds the stream back instead of piling events up. Resolves
 * when the server ends the stream; rejects when the read fails or aborts,
 * or when nothing at all (not even a keep-alive comment) arrived for
 * `idleMs`: a peer that vanished without closing the connection would
 * otherwise keep us waiting forever.
 */
export async function forEachSseEvent(body: ReadableStream<Uint8Array>, onEvent: (event: EventSourceMessage) => Promise<void>, options: { idleMs: number }): Promise<void> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      reader.cancel().catch(() => undefined);
    }, options.idleMs);
    timer.unref();
  };
  try {
    for (arm(); ; arm()) {
      const { value, done } = await reader.read();
      if (idle) throw Errors.eventStreamSilent({ idleMs: options.idleMs });
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      // The handler's own time does not count as silence.
      clearTimeout(timer);
      while (pending.length > 0) await onEvent(pending.shift()!);
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

export type { EventSourceMessage };
