import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What the thread asks of, or tells, one file's checkpointer. */
export type ThreadMessage = 'ready' | 'quiesce' | 'resume' | 'restarted' | 'closed';

/** One file's side of the shared thread (the checkpointer of that file). */
export interface CheckpointMember {
  onMessage(message: ThreadMessage): void;
  /** The file could not be opened, or the thread died: checkpoints are the file's owner's again. */
  onStopped(err: unknown): void;
}

export interface MemberFile {
  file: string;
  intervalMs: number;
  walLimitBytes: number;
  gated: boolean;
}

/**
 * The thread's code: one connection and one interval per file; see
 * SqliteCheckpointer for what each pass does. Every file's pass runs on this
 * one thread, so a RESTART checkpoint waiting on a busy file (up to its 5 s
 * busy timeout) delays the others' passes by as much: their WALs grow a
 * little longer meanwhile, never unbounded.
 */
const THREAD_CODE = `
  const { workerData, parentPort } = require('node:worker_threads');
  const fs = require('node:fs');
  const Database = require(workerData.driverPath);
  const files = new Map();
  const tell = (id, type, message) => parentPort.postMessage({ id, type, message });
  function pass(id, f) {
    try {
      let size = 0;
      try { size = fs.statSync(f.walFile).size; } catch { /* no WAL yet */ }
      if (size > 4 * f.walLimitBytes || (size > f.walLimitBytes && !f.gated)) {
        f.db.pragma('wal_checkpoint(RESTART)');
        tell(id, 'restarted');
        return;
      }
      const [result] = f.db.pragma('wal_checkpoint(PASSIVE)');
      const now = Date.now();
      // One request at a time (re-asked if unanswered for a second); none while nothing was
      // committed since the last one (idle); a second's pause after one that could not finish
      // (a reader holds the WAL).
      if (size > f.walLimitBytes && result.log !== f.quietLog && now >= f.pauseUntil && now - f.askedAt > 1000) {
        f.askedAt = now;
        tell(id, 'quiesce');
      }
    } catch { /* busy: try at the next pass */ }
  }
  parentPort.on('message', (m) => {
    if (m.type === 'open') {
      let db;
      try {
        db = new Database(m.file);
        db.pragma('busy_timeout = 5000');
      } catch (err) {
        try { db?.close(); } catch { /* never opened */ }
        tell(m.id, 'failed', String(err && err.message || err));
        return;
      }
      const f = { db, walFile: m.file + '-wal', walLimitBytes: m.walLimitBytes, gated: m.gated, askedAt: 0, quietLog: -1, pauseUntil: 0, timer: undefined };
      f.timer = setInterval(() => pass(m.id, f), m.intervalMs);
      files.set(m.id, f);
      tell(m.id, 'ready');
      return;
    }
    const f = files.get(m.id);
    if (f === undefined) return;
    if (m.type === 'quiet') {
      try {
        const [result] = f.db.pragma('wal_checkpoint(PASSIVE)');
        f.quietLog = result.log;
        if (result.checkpointed < result.log) f.pauseUntil = Date.now() + 1000;
      } catch { /* the owner resumes anyway */ }
      f.askedAt = 0;
      tell(m.id, 'resume');
    } else if (m.type === 'close') {
      clearInterval(f.timer);
      files.delete(m.id);
      try { f.db.pragma('wal_checkpoint(TRUNCATE)'); } catch { /* best effort on close */ }
      // A failure here must not end the thread: the other files' checkpoints run on it.
      try { f.db.close(); } catch { /* the connection goes with the thread */ }
      tell(m.id, 'closed');
    }
  });
  // Asked to end once no file uses the thread: every close queued before it has run its final checkpoint.
  parentPort.on('message', (m) => { if (m.type === 'end') process.exit(0); });`;

/**
 * The process's one checkpoint thread, shared by every SQLite file it has
 * open (a role's stores, or every role of `agentmesh up`): a thread of its
 * own per file cost each file a V8 isolate (tens of milliseconds of CPU to
 * start, some megabytes, and its own timer wake-ups), for work that is a
 * pragma every 250 ms. Started with the first file, ended with the last.
 */
export class CheckpointThread {
  static #current: CheckpointThread | undefined;

  /** Registers a file with the process's thread (starting one if none runs); returns its handle. */
  static join(file: MemberFile, member: CheckpointMember): ThreadMembership {
    const thread = (CheckpointThread.#current ??= new CheckpointThread());
    return thread.#join(file, member);
  }

  readonly #worker: Worker;
  readonly #members = new Map<number, CheckpointMember>();
  #nextId = 1;
  #dead = false;

  private constructor() {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    // An eval worker keeps this independent of how the project is run (a TypeScript loader or compiled JS).
    this.#worker = new Worker(THREAD_CODE, { eval: true, workerData: { driverPath } });
    this.#worker.on('message', (m: { id: number; type: ThreadMessage | 'failed'; message?: string }) => {
      const member = this.#members.get(m.id);
      if (member === undefined) return;
      if (m.type === 'failed') {
        this.#members.delete(m.id);
        void this.#endIfUnused();
        stop(member, new Error(m.message));
      } else member.onMessage(m.type);
    });
    // Without a listener a worker's uncaught error would take the process down.
    const died = (err: unknown): void => {
      if (this.#dead) return;
      this.#dead = true;
      if (CheckpointThread.#current === this) CheckpointThread.#current = undefined;
      const members = [...this.#members.values()];
      this.#members.clear();
      for (const member of members) stop(member, err);
    };
    this.#worker.on('error', died);
    this.#worker.on('exit', (code) => died(new Error(`checkpoint worker exited with code ${code}`)));
    // A checkpoint thread never keeps a server alive.
    this.#worker.unref();
  }

  get threadId(): number {
    return this.#worker.threadId;
  }

  #join(file: MemberFile, member: CheckpointMember): ThreadMembership {
    const id = this.#nextId++;
    this.#members.set(id, member);
    this.#worker.postMessage({ type: 'open', id, ...file });
    return {
      threadId: this.threadId,
      post: (type) => {
        if (this.#members.has(id)) this.#worker.postMessage({ type, id });
      },
      leave: () => {
        if (!this.#members.delete(id)) return Promise.resolve();
        return this.#endIfUnused();
      },
    };
  }

  /**
   * Ends the thread once no file uses it; a file opened later starts another. The thread is asked to
   * end after what it was sent before (a close given up on after its 5 s still runs its final
   * checkpoint first), and terminated if it has not within {@link END_DEADLINE_MS}.
   */
  #endIfUnused(): Promise<void> {
    if (this.#members.size > 0 || this.#dead) return Promise.resolve();
    this.#dead = true;
    if (CheckpointThread.#current === this) CheckpointThread.#current = undefined;
    const worker = this.#worker;
    return new Promise<void>((resolve) => {
      const deadline = setTimeout(() => void worker.terminate(), END_DEADLINE_MS);
      worker.once('exit', () => {
        clearTimeout(deadline);
        resolve();
      });
      worker.postMessage({ type: 'end' });
    });
  }
}

/** How long the thread may take to run the closes queued before it was asked to end. */
const END_DEADLINE_MS = 10_000;

/**
 * Tells one file its checkpoints stopped; a listener that throws does not keep the others from
 * hearing (each must fall back to SQLite's own checkpoints), and is reported as a warning.
 */
function stop(member: CheckpointMember, err: unknown): void {
  try {
    member.onStopped(err);
  } catch (thrown) {
    process.emitWarning(`a SQLite file's checkpoint fallback failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
  }
}

/** One file's place on the shared thread. */
export interface ThreadMembership {
  /** The thread's id (files of one process share it). */
  readonly threadId: number;
  /** Sends the thread a request about this file; nothing once the file has left or failed. */
  post(type: 'quiet' | 'close'): void;
  /** Leaves the thread; the last file to leave ends it. */
  leave(): Promise<void>;
}
