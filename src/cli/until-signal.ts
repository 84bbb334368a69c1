import type { CliContext } from './cli-io.js';

/** Resolves after SIGTERM/SIGINT has run `shutdown` (errors reported, never thrown). */
export function untilSignal(ctx: CliContext, shutdown: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      ctx.io.stderr.write(`${signal}: draining…\n`);
      shutdown().then(resolve, (err) => {
        ctx.io.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
