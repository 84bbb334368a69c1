import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes `dir` and the parents it lacks, one level at a time, as
 * `mkdirSync(dir, { recursive: true })` would. Node's recursive mkdir never
 * returns when a parent that exists answers ENOENT for a new entry (a path
 * under `/proc`): it retries at full CPU, and a process stuck there ignores
 * SIGTERM. Made one level at a time, that answer is an error like any other.
 *
 * Throws the system's error (EEXIST when `dir` is a file, ENOTDIR when a
 * parent is one, EACCES, ENOENT); a folder another process made meanwhile
 * is fine.
 *
 * `mode` is that of every folder made (a folder that exists keeps its own),
 * under the process's umask; every caller names it, because what the mesh
 * keeps (a store, keys, journals) is its user's alone, 0700, whatever the
 * umask of the shell that started it.
 *
 * Imports nothing but Node's own modules: the CLI's launcher makes its code
 * cache's folder with it before anything else loads.
 *
 * @example
 * makeFolderSync(dataDir, 0o700); // the data dir, private
 */
export function makeFolderSync(dir: string, mode: number): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let at = target; !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  // Nothing missing: mkdir of a file throws EEXIST, as the recursive form does; a folder is left alone.
  if (missing.length === 0 && !statSync(target).isDirectory()) mkdirSync(target);
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode });
    } catch (err) {
      // Read here, not through the protocol's errorCode: that import would load the whole protocol before the CLI's bundle.
      const exists = err instanceof Error && 'code' in err && err.code === 'EEXIST';
      if (!exists || !statSync(folder).isDirectory()) throw err;
    }
  }
}
