/**
 * The lines a serving command prints itself (`… listening on …`, the banner
 * of `up`, `warning: …`, `SIGTERM: draining…`) in the format of the run's
 * logs, so each stream holds one format: as written for people by default,
 * and with LOG_FORMAT=json each line a JSON entry shaped like the roles'
 * pino lines (`level`, `time`, `pid`, `hostname`, `name`, `component`,
 * `msg`), which a log shipper reads as it reads the rest.
 */
import { hostname } from 'node:os';
import type { CliContext, CliIO, TextSink } from '../io/cli-io.js';

/** pino's numbers: what a line says of itself (`warning: …`, `error: …`), else info. */
function levelOf(line: string): number {
  if (line.startsWith('error: ')) return 50;
  if (line.startsWith('warning: ')) return 40;
  return 30;
}

/** A sink that writes each complete line as a JSON log entry (a partial line waits for its end). */
function jsonLines(sink: TextSink): TextSink {
  const base = `"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"name":"agentmesh","component":"cli"`;
  let pending = '';
  return {
    write(chunk: string): unknown {
      pending += chunk;
      const end = pending.lastIndexOf('\n');
      if (end < 0) return true;
      const lines = pending.slice(0, end).split('\n');
      pending = pending.slice(end + 1);
      let out = '';
      for (const line of lines) if (line.trim() !== '') out += `{"level":${levelOf(line)},"time":${Date.now()},${base},"msg":${JSON.stringify(line)}}\n`;
      return out === '' ? true : sink.write(out);
    },
  };
}

/**
 * `ctx` for a serving command: its output as is, or as JSON log entries when
 * LOG_FORMAT=json. Read when the command writes, not when it is built (a
 * `--help` never fails on the variable; a bad value fails the role's config).
 *
 * @example
 * export function upCommand(context: CliContext): Command {
 *   const ctx = servingContext(context);
 *   …
 * }
 */
export function servingContext(ctx: CliContext): CliContext {
  const asJson = (): boolean => ctx.io.env['LOG_FORMAT'] === 'json';
  let stdout: TextSink | undefined;
  let stderr: TextSink | undefined;
  // The rest of the context's io is read through, never copied: the program is built before the
  // secrets of `<NAME>_FILE` are read into its env, and a copy taken here would never see them.
  const io: CliIO = Object.create(ctx.io, {
    stdout: { enumerable: true, value: { write: (chunk: string): unknown => (asJson() ? (stdout ??= jsonLines(ctx.io.stdout)) : ctx.io.stdout).write(chunk) } },
    stderr: { enumerable: true, value: { write: (chunk: string): unknown => (asJson() ? (stderr ??= jsonLines(ctx.io.stderr)) : ctx.io.stderr).write(chunk) } },
  }) as CliIO;
  return { ...ctx, io };
}
