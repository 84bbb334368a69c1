import { Readable, finished } from 'node:stream';
import { Errors, isAgentmeshError, normalizeError, type AgentmeshError } from '../../protocol/index.js';
import type { GatewayCall } from './gateway-call.js';

/** How stream values and a late error become the `data:` of SSE events, in the caller's binding and version. */
export interface StreamFrames<T> {
  result(value: T): string;
  error(err: AgentmeshError): string;
}

/**
 * A bridged call's answer to its client (acp-bridge.ts), every byte shown to
 * the tap first, so settlement reads it as it reads a native agent's. What
 * the bodies say is the caller's binding's business: the 1.0 bindings frame
 * the handler's objects themselves, the SDK's v0.3 handler hands over its
 * envelopes.
 */
export class BridgeAnswer {
  status = 200;
  contentType: string | undefined;
  bodyError: unknown;
  readonly #c: GatewayCall;
  readonly #tap: ((chunk: Buffer) => void) | undefined;

  constructor(c: GatewayCall, tap: ((chunk: Buffer) => void) | undefined) {
    this.#c = c;
    this.#tap = tap;
  }

  /** A JSON body, as given. */
  async json(text: string): Promise<void> {
    const c = this.#c;
    const body = Buffer.from(text);
    this.#tap?.(body);
    this.contentType = 'application/json';
    const over = new Promise<void>((resolve) => finished(c.reply.raw, () => resolve()));
    c.reply.code(200).header('content-type', 'application/json').send(body);
    await over;
  }

  /**
   * An SSE stream. The first value is awaited before the headers go out, so
   * a refusal is still answered as an error; one that comes later is the
   * stream's last event, framed as the binding frames errors.
   */
  async stream<T>(values: AsyncGenerator<T>, frames: StreamFrames<T>): Promise<void> {
    const c = this.#c;
    const first = await values.next();
    // An A2A stream starts with the task: an ACP stream that ended before any run event is the agent's failure.
    if (first.done) throw Errors.acpBridgeAnswer({ agent: c.agent, status: 200, why: 'a stream without a run event' });
    const tap = this.#tap;
    // An error is a typed event, as the runtime's routes and the SDK's servers send it: the SDK's HTTP+JSON client throws only for that type.
    const frame = (data: string, event?: 'error'): Buffer => {
      const chunk = Buffer.from(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`);
      tap?.(chunk);
      return chunk;
    };
    const requestId = String(c.request.id);
    const failed = (err: unknown): void => {
      this.bodyError = err;
    };
    async function* body(): AsyncGenerator<Buffer> {
      try {
        yield frame(frames.result(first.value));
        for await (const v of values) yield frame(frames.result(v));
      } catch (err) {
        failed(err);
        yield frame(frames.error(isAgentmeshError(err) ? err : normalizeError(err, requestId)), 'error');
      } finally {
        await values.return(undefined);
      }
    }
    this.contentType = 'text/event-stream';
    c.reply.code(200).headers({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const over = new Promise<void>((resolve) => finished(c.reply.raw, () => resolve()));
    c.reply.send(Readable.from(body()));
    await over;
  }
}
