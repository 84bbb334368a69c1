import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/**
 * Starts what `start` starts before the calling suite's tests and closes it after them; the function
 * returned gives what was started (once `before` has run).
 */
export function startedForSuite<T extends { close(): unknown }>(start: () => Promise<T>): () => T {
  let started: T | undefined;
  before(async () => {
    started = await start();
  });
  after(async () => {
    await started?.close();
  });
  return () => {
    if (started === undefined) throw new Error('the suite fixture is used before it started');
    return started;
  };
}

/** A temporary directory (named from `prefix`) made before the calling suite's tests and removed after them; the function returned gives its path. */
export function tempDirForSuite(prefix: string): () => string {
  const made = startedForSuite(async () => {
    const path = await mkdtemp(join(tmpdir(), prefix));
    return { path, close: () => rm(path, { recursive: true, force: true }) };
  });
  return () => made().path;
}
