import { constants } from 'node:os';

/**
 * A signal arriving within this many ms of the last one counted is the same
 * request to stop. A terminal's Ctrl-C reaches the whole foreground process
 * group, and npm (which runs `npm start`) forwards the signal it got to its
 * child too: one key press arrives twice, a few ms apart.
 */
export const SAME_STOP_REQUEST_MS = 500;

/** What {@link watchStopSignals} calls, by how many requests to stop have come. */
export interface StopSignalHandlers {
  /** The first request: start the orderly stop. */
  first(signal: NodeJS.Signals): void;
  /** The second: the stop goes on (say so, and that a third cuts it short). */
  again?(signal: NodeJS.Signals): void;
  /** The third: give up on the orderly stop; `code` is the shell's for death by `signal` (128 + its number). */
  forced(signal: NodeJS.Signals, code: number): void;
}

/**
 * How long signals are still taken, and ignored, once the stop finished: the
 * process ends a moment after its drain (loggers flush, sockets close), and
 * npm's forwarded copy of the last Ctrl-C may land in that moment; with no
 * listener it would turn a clean exit into a death by signal.
 */
export const LATE_SIGNAL_GRACE_MS = 2_000;

/** What {@link watchStopSignals} returns. */
export interface StopSignalWatch {
  /** The stop is over: signals are ignored for {@link LATE_SIGNAL_GRACE_MS}, then no longer watched. */
  finished(): void;
  /** Stops watching now. */
  close(): void;
}

/** Options of {@link watchStopSignals}. */
export interface StopSignalOptions {
  /** The signals watched. Default `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** The clock, in ms (tests pass their own). Default `performance.now`. */
  now?: () => number;
}

/**
 * Watches the stop signals with listeners that stay until removed, so a
 * second signal never falls through to Node's default action (which ends
 * the process at once, before it drained or left the registry). The first
 * request starts the stop, the second is reported, the third forces the
 * end; signals within {@link SAME_STOP_REQUEST_MS} of the last request
 * counted are that request again.
 *
 * @example
 * const watch = watchStopSignals({
 *   first: () => void server.close().then(() => watch.finished()),
 *   forced: (_signal, code) => process.exit(code),
 * });
 */
export function watchStopSignals(handlers: StopSignalHandlers, options: StopSignalOptions = {}): StopSignalWatch {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const now = options.now ?? (() => performance.now());
  let requests = 0;
  let countedAt = 0;
  let over = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (over) return;
    const at = now();
    if (requests > 0 && at - countedAt < SAME_STOP_REQUEST_MS) return;
    requests += 1;
    countedAt = at;
    if (requests === 1) handlers.first(signal);
    else if (requests === 2) handlers.again?.(signal);
    else handlers.forced(signal, 128 + (constants.signals[signal] ?? 0));
  };
  for (const signal of signals) process.on(signal, onSignal);
  const close = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  return {
    finished() {
      over = true;
      // Unref'd: it never holds the process, which is about to end.
      setTimeout(close, LATE_SIGNAL_GRACE_MS).unref();
    },
    close,
  };
}
