import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../observability/index.js';

/**
 * Calls `onSettled` once `files` have been quiet for `debounceMs` after a
 * change; returns the function that stops watching. It watches their
 * directories, not the files: Kubernetes swaps a Secret volume's `..data`
 * symlink, and editors and `mv` replace the inode, both of which a watch on
 * the file itself would miss. The watchers do not keep the process alive.
 */
export function watchFiles(options: { files: readonly string[]; debounceMs: number; onSettled: () => void; log: Logger; what: string }): () => void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(options.onSettled, options.debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(options.files.map((f) => dirname(f)))) {
    const watcher = watch(dir, { persistent: false }, schedule);
    watcher.on('error', (err) => options.log.warn({ err, dir }, `watching ${options.what} failed; they are no longer reloaded`));
    watchers.push(watcher);
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers.splice(0)) watcher.close();
  };
}
