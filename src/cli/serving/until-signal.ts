import type { CliContext } from '../io/cli-io.js';
import { errorMessage } from '../../protocol/index.js';
import { SAME_STOP_REQUEST_MS, watchStopSignals, type StopSignalWatch } from './stop-signals.js';
import { ExitCodes } from '../io/exit-codes.js';

/** Signals watched from the start of a serving command, handled once it can shut down. */
export interface SignalWatch {
  /** Resolves after SIGTERM/SIGINT has run `shutdown` (errors reported, never thrown); at once if one came already. */
  until(shutdown: () => Promise<void>): Promise<void>;
}

/** Options of {@link watchSignals}. */
export interface WatchSignalsOptions {
  /** How the process ends at the third request to stop; default `process.exit`. Injected by tests. */
  exit?: (code: number) => void;
  /** The clock that tells a signal repeated by npm from a new one, in ms; default `performance.now`. */
  now?: () => number;
}

/**
 * Starts watching SIGTERM/SIGINT now. A serving command calls this before it
 * starts anything: a process manager may signal the moment the command
 * prints that it is ready (or while it is still starting), and a signal with
 * no listener yet would kill the process outright instead of draining it.
 * A signal that comes before {@link SignalWatch.until} is kept and acted on
 * as soon as `until` is called.
 *
 * The listeners stay for the whole drain (docs/operations.md#draining-and-sigterm):
 * a terminal's Ctrl-C reaches every process of the foreground group and npm
 * forwards it to `npm start`'s child as well, so one key press arrives twice,
 * and a second signal falling through to Node's default action would end the
 * process before its instances left the registry. A second request to stop
 * is answered with a line and the drain goes on; a third ends the process at
 * once, saying what it leaves behind, with the shell's code for the signal
 * (130 for SIGINT, 143 for SIGTERM). A drain that finishes exits 0; one that
 * failed exits 1.
 */
export function watchSignals(ctx: CliContext, options: WatchSignalsOptions = {}): SignalWatch {
  let received: string | undefined;
  let onSignal: ((signal: string) => void) | undefined;
  const watch = watchStopRequests(
    ctx,
    (signal) => {
      if (onSignal) onSignal(signal);
      else received = signal;
    },
    options,
  );
  return {
    until(shutdown) {
      return new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          ctx.io.stderr.write(`${signal}: draining…\n`);
          const started = performance.now();
          const done = () => {
            // The listeners go soon after the drain (an embedder's, or a test's, next command must not
            // find them), not at once: a signal landing as the process ends is ignored, not its death.
            watch.finished();
            // A drain quicker than a repeated request to stop (npm's forwarded Ctrl-C, a process manager's
            // second SIGTERM) waits that long before the process may end: once Node tears down, its signal
            // listeners are gone and a copy landing then would be the process's death by signal, not exit 0.
            const linger = SAME_STOP_REQUEST_MS - (performance.now() - started);
            if (linger > 0) setTimeout(resolve, linger);
            else resolve();
          };
          shutdown().then(
            () => {
              // Said, so whoever pressed Ctrl-C knows the wait is over and nothing was cut short.
              ctx.io.stderr.write(`stopped in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
              done();
            },
            (err) => {
              ctx.io.stderr.write(`shutdown failed: ${errorMessage(err)}\n`);
              ctx.setExitCode(ExitCodes.FAILURE);
              done();
            },
          );
        };
        if (received !== undefined) stop(received);
        else onSignal = stop;
      });
    },
  };
}

/**
 * The stop signals of a serving process, counted as {@link watchSignals}
 * says: `first` at the first request, a line on stderr at the second, the
 * end at the third.
 */
export function watchStopRequests(ctx: CliContext, first: (signal: NodeJS.Signals) => void, options: WatchSignalsOptions = {}): StopSignalWatch {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  return watchStopSignals(
    {
      first,
      again: (signal) => ctx.io.stderr.write(`${signal} again: still draining (instances leave the registry, calls in flight finish); a third ${signal} stops at once\n`),
      forced: (signal, code) => {
        ctx.io.stderr.write(`${signal} a third time: stopping now, before the drain finished: calls in flight are cut, and instances not yet removed stay in the registry until their lease lapses\n`);
        exit(code);
      },
    },
    options.now !== undefined ? { now: options.now } : {},
  );
}
