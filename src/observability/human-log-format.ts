/**
 * Log lines for people (docs/observability.md#logs): `agentmesh up` and the
 * serving commands print `12:01:33 INFO  gateway  listening  url=…` instead
 * of JSON, on a terminal or not (a `| tee`, a CI log), unless LOG_FORMAT=json
 * asks for JSON (a log shipper; the deploy kit sets it). The lines are
 * formatted from pino's JSON output, after pino has redacted credentials, so
 * a readable line never shows more than the JSON one would.
 */
import { isRecord } from '../protocol/index.js';

/** The formats a logger writes: `json` for log shippers, `pretty` for people. */
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

const LEVELS: Readonly<Record<number, { label: string; color: string }>> = {
  10: { label: 'TRACE', color: '\u001b[90m' },
  20: { label: 'DEBUG', color: '\u001b[36m' },
  30: { label: 'INFO ', color: '\u001b[32m' },
  40: { label: 'WARN ', color: '\u001b[33m' },
  50: { label: 'ERROR', color: '\u001b[31m' },
  60: { label: 'FATAL', color: '\u001b[35m' },
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

/** Keys shown in the line's head, or not at all, rather than as `key=value`. */
const HEAD_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'component', 'module', 'err', 'v']);
/** A value longer than this is cut (a card, a config): the JSON format has it whole. */
const MAX_VALUE = 200;

/**
 * The format of a logger built in code with none asked for (an embedder's
 * `createRuntime` without `logFormat`): pretty on a terminal, JSON elsewhere.
 * The CLI always asks (LOG_FORMAT, default pretty).
 */
export function defaultLogFormat(stdout: { isTTY?: boolean } = process.stdout): LogFormat {
  return stdout.isTTY === true ? 'pretty' : 'json';
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? (/[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value) : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * One JSON log line as a line for people (with a trailing newline); a line
 * that is not a JSON object is returned as it came. Never throws.
 *
 * @example
 * formatLogLine('{"level":30,"time":0,"component":"gateway","msg":"listening","port":4200}', { color: false });
 * // '00:00:00 INFO  gateway  listening  port=4200\n' (in local time)
 */
export function formatLogLine(line: string, options: { color: boolean }): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (!isRecord(entry)) return line.endsWith('\n') ? line : `${line}\n`;
  const e = entry;
  const level = LEVELS[typeof e['level'] === 'number' ? e['level'] : 30] ?? { label: String(e['level']).toUpperCase().padEnd(5), color: '' };
  const at = new Date(typeof e['time'] === 'number' ? e['time'] : Date.now());
  const clock = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  const where = [e['component'], e['module']].filter((v) => typeof v === 'string' && v !== '').join('/');
  const fields: string[] = [];
  for (const key of Object.keys(e)) {
    if (HEAD_KEYS.has(key) || e[key] === undefined) continue;
    fields.push(`${key}=${shown(e[key])}`);
  }
  const msg = typeof e['msg'] === 'string' ? e['msg'] : '';
  const c = options.color;
  let out = `${c ? DIM : ''}${clock}${c ? RESET : ''} ${c ? level.color : ''}${level.label}${c ? RESET : ''}`;
  if (where !== '') out += ` ${c ? DIM : ''}${where}${c ? RESET : ''}`;
  if (msg !== '') out += `  ${msg}`;
  if (fields.length > 0) out += `  ${c ? DIM : ''}${fields.join(' ')}${c ? RESET : ''}`;
  const err = e['err'] as { message?: unknown; stack?: unknown; type?: unknown; code?: unknown } | undefined;
  if (err !== undefined && err !== null && typeof err === 'object') {
    const stack = typeof err.stack === 'string' ? err.stack : typeof err.message === 'string' ? err.message : JSON.stringify(err);
    out += `\n  ${(isNamedCondition(err) ? withoutFrames(stack) : stack).split('\n').join('\n  ')}`;
  }
  return `${out}\n`;
}

/**
 * An agentmesh error (an `AM_ERR_…` code) names a condition the code
 * expected (a registry that timed out, a role shutting down): its message and
 * causes say what happened, and its stack only where the code raised it. An
 * error without a code is a surprise, and keeps its stack. The JSON line keeps
 * every stack.
 */
function isNamedCondition(err: { code?: unknown }): boolean {
  return typeof err.code === 'string' && err.code.startsWith('AM_ERR_');
}

/** A stack's lines less the frames (`    at …`): the error's line and each `caused by:` line. */
function withoutFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n');
}

/** A pino destination writing people's lines to `sink` (stdout by default). */
export function humanLogDestination(sink: { write(chunk: string): unknown } = process.stdout, color = (sink as { isTTY?: boolean }).isTTY === true && process.env['NO_COLOR'] === undefined): { write(line: string): void } {
  return {
    write(line: string): void {
      sink.write(formatLogLine(line.endsWith('\n') ? line.slice(0, -1) : line, { color }));
    },
  };
}
