import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { WriteGate } from './write-gate.js';

/** Options of {@link SqliteCheckpointer}. */
export interface SqliteCheckpointerOptions {
  file: string;
  /** How often a PASSIVE checkpoint runs, ms. Default 250. */
  intervalMs?: number;
  /** WAL size past which the WAL is rewound, bytes. Default 64 MiB. */
  walLimitBytes?: number;
  /** The group commit's gate: closed for the moment the WAL is rewound. Without one, writers wait in busy_timeout instead. */
  gate?: WriteGate;
  /** Called once if the worker dies (it could not open the file, say): checkpoints are then the caller's again. */
  onStopped?: (err: unknown) => void;
}

/** Longest the gate stays closed if the worker does not answer, ms. */
const GATE_DEADLINE_MS = 500;

/**
 * Moves SQLite WAL checkpoints off the event loop. The main connection runs
 * with `wal_autocheckpoint=0`, so a commit never pays for copying pages back
 * into the database file; a worker thread with its own connection runs a
 * PASSIVE checkpoint (which never blocks writers) on an interval instead.
 * Measured: 30 µs → 19 µs of database work per task (issue 2 notes).
 *
 * Under continuous writes a PASSIVE checkpoint never quite catches up, and
 * SQLite only rewinds the WAL when one has; left alone the WAL grew to
 * ~6 KB per task (590 MB after 100 000 tasks) and every read had to search
 * a longer wal-index. So once the WAL passes `walLimitBytes`, the worker asks
 * the main thread to close the write gate, checkpoints the few frames written
 * since its last pass while nothing commits, and opens it again; the next
 * commit starts the WAL from the beginning and `journal_size_limit` trims the
 * file. Queued writes wait a few milliseconds; the event loop never does.
 * A RESTART checkpoint (writers wait in busy_timeout, the event loop with
 * them: 40–60 ms stalls measured at 9k req/s) remains the fallback when the
 * WAL passes four times the limit, e.g. with no gate or other writers.
 */
export class SqliteCheckpointer {
  #worker: Worker;
  #gate: WriteGate | undefined;
  #gateDeadline: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: SqliteCheckpointerOptions) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#gate = options.gate;
    // An eval worker keeps this independent of how the project is run (tsx or compiled JS).
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const Database = require(workerData.driverPath);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 5000');
      const walFile = workerData.file + '-wal';
      let askedAt = 0;
      const timer = setInterval(() => {
        try {
          let size = 0;
          try { size = fs.statSync(walFile).size; } catch { /* no WAL yet */ }
          if (size > 4 * workerData.walLimitBytes || (size > workerData.walLimitBytes && !workerData.gated)) {
            db.pragma('wal_checkpoint(RESTART)');
            return;
          }
          db.pragma('wal_checkpoint(PASSIVE)');
          if (size > workerData.walLimitBytes && Date.now() - askedAt > 1000) {
            askedAt = Date.now();
            parentPort.postMessage('quiesce');
          }
        } catch { /* busy: try next tick */ }
      }, workerData.intervalMs);
      parentPort.on('message', (m) => {
        if (m === 'quiet') {
          try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* the main thread resumes anyway */ }
          askedAt = 0;
          parentPort.postMessage('resume');
        } else if (m === 'close') {
          clearInterval(timer);
          try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch { /* best effort on close */ }
          db.close();
          parentPort.postMessage('closed');
        }
      });`;
    this.#worker = new Worker(code, {
      eval: true,
      workerData: {
        file: options.file,
        intervalMs: options.intervalMs ?? 250,
        walLimitBytes: options.walLimitBytes ?? 64 * 1024 * 1024,
        gated: options.gate !== undefined,
        driverPath,
      },
    });
    this.#worker.on('message', (message: unknown) => {
      if (message === 'quiesce') this.#quiesce();
      else if (message === 'resume') this.#resume();
    });
    // Without a listener a worker's uncaught error would take the process down.
    let stopped = false;
    const onStopped = (err: unknown): void => {
      this.#resume();
      if (stopped || this.#closing) return;
      stopped = true;
      options.onStopped?.(err);
    };
    this.#worker.on('error', onStopped);
    this.#worker.on('exit', (code) => onStopped(new Error(`checkpoint worker exited with code ${code}`)));
    this.#worker.unref();
  }

  #quiesce(): void {
    if (!this.#gate || this.#closing) return;
    // Synchronous commits: when this handler runs, no write is half done.
    this.#gate.close();
    // Not unref'd: held writes keep the process alive until they commit.
    this.#gateDeadline = setTimeout(() => this.#resume(), GATE_DEADLINE_MS);
    this.#worker.postMessage('quiet');
  }

  #resume(): void {
    clearTimeout(this.#gateDeadline);
    this.#gateDeadline = undefined;
    this.#gate?.open();
  }

  /** Runs a final checkpoint and stops the worker. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#resume();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      const onMessage = (message: unknown): void => {
        if (message !== 'closed') return;
        finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.#worker.off('message', onMessage);
        resolve();
      };
      this.#worker.on('message', onMessage);
      this.#worker.once('exit', finish);
      this.#worker.postMessage('close');
    });
    await this.#worker.terminate();
  }
}
