import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, LogFn, Logger } from 'pino';

const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * A child of `parent` with `bindings` that becomes a real pino child only
 * when a line is written at an enabled level, or a child or the bindings are
 * asked for. Every HTTP request gets a logger carrying its `reqId`, and at
 * the default level most requests write nothing: pino's `child()` serializes
 * the bindings through redaction at once, which was ~2% of the runtime's
 * event loop and 2.8 KB per request under load (docs/perf-journal/runtime-and-cli.md, "Two garbage-collection regimes").
 *
 * The parent's level is read when a line is written, so a level changed on
 * the parent applies; a level set on this logger makes the child.
 */
export class LazyChildLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  /** The real child, made on first need. */
  get logger(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }

  get level(): LevelWithSilentOrString {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.logger.level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level);
  }

  bindings(): Bindings {
    return this.logger.bindings();
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  silent(): void {}

  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;
}

for (const level of LEVELS) {
  Object.defineProperty(LazyChildLogger.prototype, level, {
    value: function write(this: LazyChildLogger, ...args: Parameters<LogFn>): void {
      if (!this.isLevelEnabled(level)) return;
      this.logger[level](...args);
    },
    writable: true,
    configurable: true,
  });
}

/**
 * A pino child made lazily (or at once, with options of its own): what
 * Fastify's child-logger factory returns, a logger of its base interface
 * (levels, `child`), whose children are real pino loggers.
 */
export function lazyChildLogger(parent: Logger, bindings: Bindings, options?: ChildLoggerOptions): LazyChildLogger | Logger {
  // Options other than the level (serializers, redaction, a level of its own) change what a line is: make the child now.
  if (options !== undefined && Object.keys(options).length > 0) return parent.child(bindings, options);
  return new LazyChildLogger(parent, bindings);
}
