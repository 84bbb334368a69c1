import { Writable } from 'node:stream';

/**
 * A log destination that keeps what is written to it: `lines`, each write as written (one pino
 * line each), and `records()`, every line parsed as JSON.
 */
export function memoryDestination(): { stream: Writable; lines: string[]; records: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const records = () =>
    lines
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, records };
}
