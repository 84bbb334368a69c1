import { rmSync } from 'node:fs';

/** A part a fixture started and stops: an object with `close()`, or a function that stops it; `undefined` (never started) is passed over. */
export type Stoppable = { close(): unknown } | (() => unknown) | undefined;

/**
 * Stops each of `parts` in turn, waiting for one before the next: the
 * `close` of a fixture that started several parts, which names them in the
 * order they must stop (a caller before what it calls, a role before its
 * data directory).
 */
export async function closeInTurn(...parts: Stoppable[]): Promise<void> {
  for (const part of parts) {
    if (typeof part === 'function') await part();
    else await part?.close();
  }
}

/** The {@link Stoppable} that removes the temporary directory `path`, with all it holds. */
export function directoryRemoval(path: string): () => void {
  return () => rmSync(path, { recursive: true, force: true });
}
