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
 * Measured: 30 µs → 19 µs of database work per task (ADR 0002).
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
 * them: 40–60 ms stalls measured at 9k req/s) is what runs past the limit
 * without a gate, and the fallback past four times the limit with one (other
 * writers on the connection, a reader holding the WAL).
 */
export class SqliteCheckpointer {
  #worker: Worker;
  #gate: WriteGate | undefined;
  #gateDeadline: NodeJS.Timeout | undefined;
  #closing = false;
  #exited = false;
  #restarts = 0;
  /** Resolves once the worker has opened the database. */
  readonly ready: Promise<void>;

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
      // One request at a time (re-asked if unanswered for a second); none while
      // nothing was committed since the last one (idle); a second's pause after
      // one that could not finish (a reader holds the WAL).
      let askedAt = 0;
      let quietLog = -1;
      let pauseUntil = 0;
      parentPort.postMessage('ready');
      const timer = setInterval(() => {
        try {
          let size = 0;
          try { size = fs.statSync(walFile).size; } catch { /* no WAL yet */ }
          if (size > 4 * workerData.walLimitBytes || (size > workerData.walLimitBytes && !workerData.gated)) {
            db.pragma('wal_checkpoint(RESTART)');
            parentPort.postMessage('restarted');
            return;
          }
          const [result] = db.pragma('wal_checkpoint(PASSIVE)');
          const now = Date.now();
          if (size > workerData.walLimitBytes && result.log !== quietLog && now >= pauseUntil && now - askedAt > 1000) {
            askedAt = now;
            parentPort.postMessage('quiesce');
          }
        } catch { /* busy: try next tick */ }
      }, workerData.intervalMs);
      parentPort.on('message', (m) => {
        if (m === 'quiet') {
          try {
            const [result] = db.pragma('wal_checkpoint(PASSIVE)');
            quietLog = result.log;
            if (result.checkpointed < result.log) pauseUntil = Date.now() + 1000;
          } catch { /* the main thread resumes anyway */ }
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
    let onReady!: () => void;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.#worker.on('message', (message: unknown) => {
      if (message === 'quiesce') this.#quiesce();
      else if (message === 'resume') this.#resume();
      else if (message === 'restarted') this.#restarts++;
      else if (message === 'ready') onReady();
    });
    // Without a listener a worker's uncaught error would take the process down.
    let stopped = false;
    const onStopped = (err: unknown): void => {
      this.#exited = true;
      this.#resume();
      if (stopped || this.#closing) return;
      stopped = true;
      options.onStopped?.(err);
    };
    this.#worker.on('error', onStopped);
    this.#worker.on('exit', (code) => onStopped(new Error(`checkpoint worker exited with code ${code}`)));
    this.#worker.unref();
  }

  /** RESTART checkpoints run so far (see the class comment). */
  get restarts(): number {
    return this.#restarts;
  }

  #quiesce(): void {
    // Already closed: a request that queued up behind a slow turn; the cycle under way answers it.
    if (!this.#gate || this.#closing || this.#gate.closed) return;
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
    if (this.#exited) return;
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
