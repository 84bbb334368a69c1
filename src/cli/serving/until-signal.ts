import type { CliContext } from '../io/cli-io.js';
import { errorMessage } from '../../protocol/index.js';

/** Signals watched from the start of a serving command, handled once it can shut down. */
export interface SignalWatch {
  /** Resolves after SIGTERM/SIGINT has run `shutdown` (errors reported, never thrown); at once if one came already. */
  until(shutdown: () => Promise<void>): Promise<void>;
}

/**
 * Starts watching SIGTERM/SIGINT now. A serving command calls this before it
 * starts anything: a process manager may signal the moment the command
 * prints that it is ready (or while it is still starting), and a signal with
 * no listener yet would kill the process outright instead of draining it.
 * A signal that comes before {@link SignalWatch.until} is kept and acted on
 * as soon as `until` is called.
 */
export function watchSignals(ctx: CliContext): SignalWatch {
  let received: string | undefined;
  let onSignal: ((signal: string) => void) | undefined;
  const handle = (signal: string) => {
    if (onSignal) onSignal(signal);
    else received ??= signal;
  };
  process.once('SIGTERM', () => handle('SIGTERM'));
  process.once('SIGINT', () => handle('SIGINT'));
  return {
    until(shutdown) {
      return new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          ctx.io.stderr.write(`${signal}: draining…\n`);
          const started = performance.now();
          shutdown().then(
            () => {
              // Said, so whoever pressed Ctrl-C knows the wait is over and nothing was cut short.
              ctx.io.stderr.write(`stopped in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
              resolve();
            },
            (err) => {
              ctx.io.stderr.write(`shutdown failed: ${errorMessage(err)}\n`);
              resolve();
            },
          );
        };
        if (received !== undefined) stop(received);
        else onSignal = stop;
      });
    },
  };
}
