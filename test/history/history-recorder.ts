import { closeSync, openSync, writeSync } from 'node:fs';
import { NEMESIS, type HistoryOp, type OpType } from './history-format.js';

/** An invocation still waiting for its completion. */
export interface Invoked {
  readonly index: number;
  readonly process: number;
  readonly f: string;
  readonly key: string | null;
}

export interface HistoryRecorderOptions {
  /** Where each line goes, written before the call returns; defaults to nowhere (keep `lines()` only). */
  write?: (line: string) => void;
  /** Keep the lines in memory for `lines()` (tests, small runs). */
  keep?: boolean;
  /** The monotonic clock in nanoseconds; defaults to process.hrtime. */
  now?: () => bigint;
}

/**
 * The one writer of a run's history (test/history/README.md, "Recording"). Call `invoke` before the
 * request leaves and `ok`, `fail` or `info` after the answer arrives, so a line's order is the order in
 * which the driver saw things happen. It refuses what would make the history lie: a second
 * operation of a process still waiting, a completion of an operation that is not waiting, and any
 * operation of a process whose last one ended `info` (that one may still take effect at any time, so
 * the process stays busy forever: start a new process number).
 */
export class HistoryRecorder {
  #write: ((line: string) => void) | undefined;
  #kept: HistoryOp[] | undefined;
  #now: () => bigint;
  #start: bigint;
  #index = 0;
  #waiting = new Map<number, Invoked>();
  #crashed = new Set<number>();

  constructor(options: HistoryRecorderOptions = {}) {
    this.#write = options.write;
    this.#kept = options.keep === true ? [] : undefined;
    this.#now = options.now ?? process.hrtime.bigint;
    this.#start = this.#now();
  }

  /** A recorder appending to a file (created or truncated), each line written through before the call returns; `close` closes the file. */
  static toFile(path: string, options: Omit<HistoryRecorderOptions, 'write'> = {}): { recorder: HistoryRecorder; close: () => void } {
    const fd = openSync(path, 'w');
    return { recorder: new HistoryRecorder({ ...options, write: (line) => writeSync(fd, line) }), close: () => closeSync(fd) };
  }

  invoke(process: number, f: string, key: string | null, value: unknown, node?: string): Invoked {
    if (!Number.isInteger(process) || process < 0) throw new Error(`process must be a whole number, got ${String(process)}`);
    if (this.#crashed.has(process)) throw new Error(`process ${process} ended an operation with info: it may still take effect, so the process never invokes again; use a new process number`);
    const waiting = this.#waiting.get(process);
    if (waiting !== undefined) throw new Error(`process ${process} still waits for ${waiting.f} (index ${waiting.index})`);
    const op = this.#append({ process, type: 'invoke', f, key, value, ...(node === undefined ? {} : { node }) });
    const invoked: Invoked = { index: op.index, process, f, key };
    this.#waiting.set(process, invoked);
    return invoked;
  }

  ok(invoked: Invoked, value: unknown): HistoryOp {
    return this.#complete(invoked, 'ok', value);
  }

  fail(invoked: Invoked, value: unknown): HistoryOp {
    return this.#complete(invoked, 'fail', value);
  }

  info(invoked: Invoked, value: unknown): HistoryOp {
    const op = this.#complete(invoked, 'info', value);
    this.#crashed.add(invoked.process);
    return op;
  }

  /** Something seen rather than asked for (a push the receiver got, an effect the test agent wrote): an invocation and its `ok` at once. */
  observe(process: number, f: string, key: string | null, value: unknown): HistoryOp {
    return this.ok(this.invoke(process, f, key, value), value);
  }

  /** A fault: `start` and `stop` bound a fault period (value: what the fault is). */
  nemesis(f: string, value: unknown): HistoryOp {
    return this.#append({ process: NEMESIS, type: 'info', f, key: null, value });
  }

  /** Processes whose operation has not completed (a checker reads them as `info`). */
  waiting(): Invoked[] {
    return [...this.#waiting.values()];
  }

  /** The lines so far, when made with `keep: true`. */
  lines(): HistoryOp[] {
    if (this.#kept === undefined) throw new Error('this recorder keeps no lines: make it with keep: true');
    return [...this.#kept];
  }

  #complete(invoked: Invoked, type: Exclude<OpType, 'invoke'>, value: unknown): HistoryOp {
    if (this.#waiting.get(invoked.process) !== invoked) throw new Error(`process ${invoked.process} has no waiting ${invoked.f} of index ${invoked.index} to complete`);
    this.#waiting.delete(invoked.process);
    return this.#append({ process: invoked.process, type, f: invoked.f, key: invoked.key, value });
  }

  #append(fields: Omit<HistoryOp, 'index' | 'time'>): HistoryOp {
    const op: HistoryOp = { index: this.#index, time: Number(this.#now() - this.#start), ...fields };
    this.#index += 1;
    this.#write?.(`${JSON.stringify(op)}\n`);
    this.#kept?.push(op);
    return op;
  }
}
