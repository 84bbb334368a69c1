import { pino } from 'pino';
import { context, trace } from '@opentelemetry/api';
import { defaultLogFormat, humanLogDestination, type LogFormat } from './human-log-format.js';
import { redactRequestUrl, serializeUrl } from './redact-url.js';
import { currentRequestContext } from './request-context.js';

/** The agentmesh logger: a plain pino logger. Components take a child tagged `{ component }`. */
export type Logger = pino.Logger;

/** The levels a logger may be set to, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written: `trace` … `fatal`, or `silent`. Default `info`. */
  level?: string;
  /** Written as `name` on every line (e.g. the role). Default: none. */
  name?: string;
  /** Where lines go. Default: stdout (pino's fast sonic-boom destination). */
  destination?: pino.DestinationStream;
  /**
   * Pretty printing is not built in: lines are JSON for log shippers. Pipe
   * through `pino-pretty` on a terminal. Only `false` is accepted.
   */
  pretty?: false;
  /**
   * `json` (for log shippers) or `pretty` (one readable line per entry,
   * human-log-format.ts). Default: pretty when stdout is a terminal and JSON
   * otherwise; with `destination` set and no format asked for, JSON. Every
   * role's config carries it as `logFormat` (the CLI's LOG_FORMAT).
   */
  format?: LogFormat | undefined;
}

/**
 * The config keys that hold a key-encryption secret (gateway, runtime,
 * identity). pino's paths match names, not patterns, so each is listed; a new
 * `*Secret` config key belongs here.
 */
const CONFIG_SECRET_KEYS = [
  'keyEncryptionSecret',
  'previousKeyEncryptionSecret',
  'storageSecret',
  'previousStorageSecret',
  'signingKeyEncryptionSecret',
  'previousSigningKeyEncryptionSecret',
  // The gateway's card-signing private key (GATEWAY_CARD_SIGNING_KEY).
  'cardSigningKeyPem',
  // The orchestrator's routerModel.apiKey.
  'apiKey',
] as const;

/**
 * Paths censored on every line. Authorization material must never reach a log
 * shipper, whether it comes from a request (`req.headers…`), an outbound call
 * (`headers…`), a config/credential object one level down (`*.secret`), or a
 * config's secret as deep as a role's nested config (`config.identity.…`).
 */
const REDACT_PATHS: readonly string[] = [
  ...CONFIG_SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'password',
  'secret',
  'clientSecret',
  'token',
  'accessToken',
  'privateKey',
  // A caller's exchangeable assertion (ctx.caller.subjectToken), should a skill log its caller.
  'subjectToken',
  '*.subjectToken',
  '*.*.subjectToken',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.token',
  '*.accessToken',
  '*.privateKey',
];

const CENSOR = '[redacted]';

const chindingsSym = pino.symbols.chindingsSym;

/**
 * Adds the request id and trace id of the current request (or the trace id of
 * the active OpenTelemetry span outside a request) to every line.
 *
 * The HTTP server already binds `reqId`/`traceId` on the per-request child
 * logger (`request.log`), which also covers lines written outside the async
 * context (Fastify's "request completed" fires from a socket event). Those
 * loggers carry `"reqId":` in their bindings, and we skip them so the keys are
 * not written twice.
 */
function requestMixin(_merge: object, _level: number, logger: pino.Logger): object {
  const ctx = currentRequestContext();
  if (ctx !== undefined) {
    // pino keeps a logger's serialized bindings under this symbol (its public bindings() parses them).
    const bindings: unknown = Reflect.get(logger, chindingsSym);
    if (typeof bindings === 'string' && bindings.includes('"reqId":')) return {};
    return ctx.traceId === undefined ? { reqId: ctx.reqId } : { reqId: ctx.reqId, traceId: ctx.traceId };
  }
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? { traceId: sc.traceId } : {};
}

/**
 * Builds the JSON logger every agentmesh process uses: redacts credentials
 * (censor `"[redacted]"`), including those in the query string of a logged
 * request or `url` (`redactUrl`), and stamps `reqId`/`traceId` on lines written while
 * a request is served.
 *
 * @example
 * import { createLogger } from '../observability/index.js';
 * const logger = createLogger({ level: 'info', name: 'gateway' });
 * const log = logger.child({ component: 'gateway' });
 * log.info({ clientId }, 'token issued');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', name, pretty } = options;
  const format = options.format ?? (options.destination === undefined ? defaultLogFormat() : 'json');
  const destination = format === 'pretty' ? humanLogDestination(options.destination ?? process.stdout) : options.destination;
  if (pretty !== undefined && pretty !== false) {
    throw new TypeError('"pretty" option must be false: pipe the JSON output through pino-pretty instead');
  }
  const pinoOptions: pino.LoggerOptions = {
    level,
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    // A URL may carry a credential in its query (`?access_token=`, RFC 6750 §2.3): redacted wherever a request or a `url` is logged.
    serializers: { req: redactRequestUrl, url: serializeUrl },
    mixin: requestMixin,
  };
  if (name !== undefined) pinoOptions.name = name;
  return destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
}
