/** One server-sent event: its id and event name when it has them, and its data parsed as JSON. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: any;
}

/**
 * Reads an SSE body one frame at a time: `next()` resolves the next frame (every frame, with or
 * without data), or undefined once the body ends; `cancel()` stops reading.
 */
export function sseFrames(body: ReadableStream<Uint8Array>): { next: () => Promise<SseFrame | undefined>; cancel: () => Promise<void> } {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = { data: undefined };
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
          }
          return frame;
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}
