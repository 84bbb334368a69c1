/**
 * The log of a serving command that prints its own banner: the lines the
 * role logs while it starts (secrets it generated, `runtime listening`) are
 * held, and written once the banner is out, so a developer's terminal opens
 * on what is served and where, not on three or four log lines that bury it.
 * A start that fails writes what it held before its error.
 */
import { createLogger, defaultLogFormat, humanLogDestination, type LogFormat, type Logger, type LogLevel } from '../../observability/index.js';

/** What {@link heldLog} returns. */
export interface HeldLog {
  /** The logger to give the role. */
  logger: Logger;
  /** Writes what was held, in order, and lets every later line through. */
  release(): void;
}

/**
 * A logger at `level` in `format` (pretty on a terminal, else JSON, as
 * createLogger chooses) whose lines wait for {@link HeldLog.release}.
 *
 * @example
 * const log = heldLog({ level: 'info' });
 * const runtime = await createRuntime({ agents, config, logger: log.logger });
 * // … print the banner …
 * log.release();
 */
export function heldLog(options: { level: LogLevel; format?: LogFormat | undefined }): HeldLog {
  const format = options.format ?? defaultLogFormat();
  const sink = format === 'pretty' ? humanLogDestination(process.stdout) : process.stdout;
  let held: string[] | undefined = [];
  const destination = {
    write(line: string): void {
      if (held === undefined) sink.write(line);
      else held.push(line);
    },
  };
  return {
    // JSON into the hold: the hold writes each line to where the format sends it.
    logger: createLogger({ level: options.level, format: 'json', destination, name: 'agentmesh' }),
    release() {
      const lines = held ?? [];
      held = undefined;
      for (const line of lines) sink.write(line);
    },
  };
}
