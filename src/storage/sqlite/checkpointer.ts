import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * Moves SQLite WAL checkpoints off the event loop. The main connection runs
 * with `wal_autocheckpoint=0`, so a commit never pays for copying pages back
 * into the database file; a worker thread with its own connection runs a
 * PASSIVE checkpoint (which never blocks writers) on an interval instead.
 * Measured: 30 µs → 19 µs of database work per task (issue 2 notes).
 */
export class SqliteCheckpointer {
  #worker: Worker;

  constructor(options: { file: string; intervalMs?: number }) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    // An eval worker keeps this independent of how the project is run (tsx or compiled JS).
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const Database = require(workerData.driverPath);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 1000');
      const timer = setInterval(() => {
        try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: try next tick */ }
      }, workerData.intervalMs);
      parentPort.on('message', (m) => {
        if (m === 'close') {
          clearInterval(timer);
          try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch { /* best effort on close */ }
          db.close();
          parentPort.postMessage('closed');
        }
      });`;
    this.#worker = new Worker(code, {
      eval: true,
      workerData: { file: options.file, intervalMs: options.intervalMs ?? 1000, driverPath },
    });
    this.#worker.unref();
  }

  /** Runs a final checkpoint and stops the worker. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.#worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#worker.postMessage('close');
    });
    await this.#worker.terminate();
  }
}
