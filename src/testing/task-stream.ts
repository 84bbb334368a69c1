import { StreamResponse } from '@a2a-js/sdk';
import { createParser } from 'eventsource-parser';
import { A2ACallError, type JsonRpcErrorObject } from './call-error.js';

type ByteStream = AsyncIterable<Buffer | string> & { destroy(): void };

/**
 * The events of one task as the agent streams them (SSE over JSON-RPC):
 * iterate it with `for await`, or collect it with {@link toArray}. The
 * stream ends when the task reaches a terminal or interrupted state
 * (input-required): that is when the agent closes it. It can be read once.
 *
 * @example
 * const events = await agent.stream('write a haiku').toArray();
 * assert.deepEqual(events.map(summarize).map((e) => e.kind), ['task', 'status', 'artifact', 'status']);
 */
export class TaskStream implements AsyncIterable<StreamResponse> {
  readonly #opening: Promise<ByteStream>;
  #read = false;
  #body: ByteStream | undefined;

  /** @param opening resolves with the SSE body once the agent answered (rejects when it refused the call) */
  constructor(opening: Promise<ByteStream>) {
    this.#opening = opening;
    // Not read yet is not unhandled: the rejection reaches whoever iterates.
    opening.catch(() => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamResponse> {
    if (this.#read) throw new Error('this TaskStream was already read; a stream of events can be read once (collect it with toArray())');
    this.#read = true;
    const body = await this.#opening;
    this.#body = body;
    const frames: string[] = [];
    const parser = createParser({ onEvent: (event) => frames.push(event.data) });
    try {
      for await (const chunk of body) {
        parser.feed(String(chunk));
        while (frames.length > 0) yield decode(frames.shift()!);
      }
    } finally {
      // A consumer that stops early lets go of the agent's stream.
      body.destroy();
    }
  }

  /** Reads the stream to its end and resolves with every event. */
  async toArray(): Promise<StreamResponse[]> {
    const events: StreamResponse[] = [];
    for await (const event of this) events.push(event);
    return events;
  }

  /** Stops reading: the agent's stream is let go (the task itself goes on). */
  close(): void {
    this.#read = true;
    this.#body?.destroy();
    void this.#opening.then((body) => body.destroy(), () => undefined);
  }
}

function decode(data: string): StreamResponse {
  const frame = JSON.parse(data) as { result?: unknown; error?: JsonRpcErrorObject };
  if (frame.error) throw new A2ACallError('stream', frame.error);
  return StreamResponse.fromJSON(frame.result);
}
