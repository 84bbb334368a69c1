import { CheckpointThread, type ThreadMembership } from './checkpoint-thread.js';
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
  /** Called once if the worker cannot checkpoint the file (it could not open it, or the thread died): checkpoints are then the caller's again. */
  onStopped?: (err: unknown) => void;
}

/** Longest the gate stays closed if the worker does not answer, ms. */
const GATE_DEADLINE_MS = 500;

/**
 * Moves SQLite WAL checkpoints off the event loop. The main connection runs
 * with `wal_autocheckpoint=0`, so a commit never pays for copying pages back
 * into the database file; a worker thread with its own connection runs a
 * PASSIVE checkpoint (which never blocks writers) on an interval instead,
 * the process's one checkpoint thread for all its files (CheckpointThread).
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
  readonly #thread: ThreadMembership;
  #gate: WriteGate | undefined;
  #gateDeadline: NodeJS.Timeout | undefined;
  #closing = false;
  #stopped = false;
  #restarts = 0;
  #onClosed: (() => void) | undefined;
  #closed: Promise<void> | undefined;
  /** Resolves once the worker has opened the database. */
  readonly ready: Promise<void>;

  constructor(options: SqliteCheckpointerOptions) {
    this.#gate = options.gate;
    let onReady!: () => void;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.#thread = CheckpointThread.join(
      { file: options.file, intervalMs: options.intervalMs ?? 250, walLimitBytes: options.walLimitBytes ?? 64 * 1024 * 1024, gated: options.gate !== undefined },
      {
        onMessage: (message) => {
          if (message === 'quiesce') this.#quiesce();
          else if (message === 'resume') this.#resume();
          else if (message === 'restarted') this.#restarts++;
          else if (message === 'ready') onReady();
          else if (message === 'closed') this.#onClosed?.();
        },
        onStopped: (err) => {
          this.#stopped = true;
          this.#resume();
          this.#onClosed?.();
          if (!this.#closing) options.onStopped?.(err);
        },
      },
    );
  }

  /** RESTART checkpoints run so far (see the class comment). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The thread that checkpoints this file (every file of the process has the same). */
  get threadId(): number {
    return this.#thread.threadId;
  }

  #quiesce(): void {
    // Already closed: a request that queued up behind a slow turn; the cycle under way answers it.
    if (!this.#gate || this.#closing || this.#gate.closed) return;
    // Synchronous commits: when this handler runs, no write is half done.
    this.#gate.close();
    // Not unref'd: held writes keep the process alive until they commit.
    this.#gateDeadline = setTimeout(() => this.#resume(), GATE_DEADLINE_MS);
    this.#thread.post('quiet');
  }

  #resume(): void {
    clearTimeout(this.#gateDeadline);
    this.#gateDeadline = undefined;
    this.#gate?.open();
  }

  /** Runs a final checkpoint of the file and leaves the thread (the last file to leave ends it). */
  close(): Promise<void> {
    return (this.#closed ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#resume();
    if (!this.#stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, 5000);
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#onClosed = finish;
        this.#thread.post('close');
      });
    }
    await this.#thread.leave();
  }
}
