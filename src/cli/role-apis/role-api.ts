/**
 * What the CLI's clients of agentmesh's own HTTP APIs (registry, gateway
 * management, credits) share: sending a call under the `--timeout` signal,
 * reading JSON, and turning a google.rpc.Status error body into an
 * AgentmeshError whose message a person can act on. Each client adds only
 * its calls and its hints.
 */
import { DelegateBackoff, handleWhenResult, retry, type IRetryBackoffContext } from 'cockatiel';
import { type AgentmeshError, ErrorCodes, isAgentmeshError, networkReason, parseRetryAfter, readRestError, type ErrorCode, Errors, relayed } from '../../protocol/index.js';
import { createOutboundFetch } from '../client/outbound-fetch.js';

/** Rewrites the server's message of a failed call; `undefined` keeps it. */
export type FailureHint = (failure: { code: ErrorCode; status: number; message: string }) => string | undefined;

/** A call about to be sent again after a 503: what a command tells the person waiting on it. */
export interface RoleRetryNotice {
  role: string;
  method: string;
  /** The path without its query. */
  path: string;
  /** The server's own words, when its error body had some. */
  message: string | undefined;
  /** The retry about to be sent: 1 for the first. */
  retry: number;
  retries: number;
  delayMs: number;
}

/**
 * How often a call the role answered 503 ("retry shortly": a store of its
 * unavailable for a moment, the role draining) is sent again, and the waits
 * before each unless the answer's `Retry-After` asks for longer (up to
 * {@link MAX_RETRY_AFTER_MS}). About 3.5 s in all: what a person at a prompt
 * would do by hand, inside the default `--timeout`. Only calls that may be
 * repeated are: GET, PUT, DELETE, and a POST its client marks idempotent
 * (a top-up by its reference).
 */
export const UNAVAILABLE_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000];
/** The longest `Retry-After` a command waits on; a role asking for more is asked again after this. */
export const MAX_RETRY_AFTER_MS = 5_000;
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** A role's answer to one call, its body read. */
interface Answer {
  response: Response;
  text: string;
}

/** Where a command reaches a role's API and how: what every client of one is opened with. */
export interface RoleClientOptions {
  /** Base URL of the role. */
  url: string;
  /** Underlying fetch; default global fetch with a `traceparent`. */
  fetchImpl?: typeof fetch | undefined;
  /** Deadline of everything this client does (`--timeout`): aborting it aborts the call, and the command runner names the flag. */
  signal?: AbortSignal | undefined;
  /** Told before a call is sent again after a 503 (the CLI writes a line to stderr). */
  onRetry?: ((notice: RoleRetryNotice) => void) | undefined;
}

/** Options of {@link RoleApi}. */
export interface RoleApiOptions extends RoleClientOptions {
  /** What the role is called in messages: `registry`, `gateway`. */
  role: string;
  /** Headers on every call (authorization). */
  headers?: Record<string, string>;
  hint?: FailureHint;
  /** The waits before each retry of a 503, ms (default {@link UNAVAILABLE_RETRY_DELAYS_MS}; `[]`: none). */
  retryDelaysMs?: readonly number[];
}

/** A role's base URL from the command line, without a trailing slash; refuses (AM_ERR_CLI_USAGE) one that is not absolute http(s). */
export function roleUrl(role: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw Errors.cliRoleUrlInvalid({ role, url });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw Errors.cliRoleUrlNotHttp({ role, url });
  return parsed.href.replace(/\/+$/, '');
}

/**
 * The gateway's management API under the caller's bearer token (none when
 * `token` is absent or empty), with a 401 explained by `unauthorized`: what
 * each command is missing differs (an approver scope, an admin token).
 */
export function gatewayRoleApi(options: GatewayClientOptions, unauthorized: string): RoleApi {
  return new RoleApi({
    url: options.url,
    role: 'gateway',
    headers: options.token !== undefined && options.token !== '' ? { authorization: `Bearer ${options.token}` } : {},
    fetchImpl: options.fetchImpl,
    signal: options.signal,
    onRetry: options.onRetry,
    hint: ({ status, message }) => (status === 401 ? `${message} (${unauthorized})` : undefined),
  });
}

/** Options of a {@link GatewayApiClient}: where the gateway is, and the caller's bearer token. */
export type GatewayClientOptions = RoleClientOptions & { token?: string | undefined };

/**
 * A client of one part of the gateway's management API (approvals, credits,
 * policies): the gateway's URL and {@link gatewayRoleApi} under the caller's
 * token, for the subclass's one method per call.
 */
export abstract class GatewayApiClient {
  readonly url: string;
  protected readonly api: RoleApi;

  constructor(options: GatewayClientOptions, unauthorized: string) {
    this.api = gatewayRoleApi(options, unauthorized);
    this.url = this.api.url;
  }
}

/** `?key=value&…` of the values given (none undefined), or '' when there are none. */
export function queryString(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs === '' ? '' : `?${qs}`;
}

/** One agentmesh role's HTTP API, as the CLI calls it. */
export class RoleApi {
  readonly url: string;
  readonly #role: string;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;
  readonly #hint: FailureHint | undefined;
  readonly #onRetry: ((notice: RoleRetryNotice) => void) | undefined;
  readonly #retryDelaysMs: readonly number[];

  /** Refuses (AM_ERR_CLI_USAGE) a base URL that is not absolute http(s). */
  constructor(options: RoleApiOptions) {
    this.url = roleUrl(options.role, options.url);
    this.#role = options.role;
    this.#signal = options.signal;
    this.#hint = options.hint;
    this.#onRetry = options.onRetry;
    this.#retryDelaysMs = options.retryDelaysMs ?? UNAVAILABLE_RETRY_DELAYS_MS;
    this.#fetch = createOutboundFetch({ headers: { accept: 'application/json', ...options.headers }, ...(options.fetchImpl && { fetchImpl: options.fetchImpl }), ...(options.signal && { signal: options.signal }) });
  }

  /**
   * Sends one call; a network failure becomes "cannot reach the <role> at <url>". A call that may be
   * repeated ({@link UNAVAILABLE_RETRY_DELAYS_MS}) and is answered 503 is sent again after a wait; the
   * last answer is returned whatever it is.
   */
  async send(method: string, path: string, init: { body?: string; headers?: Record<string, string>; idempotent?: boolean } = {}): Promise<Answer> {
    const repeatable = init.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const delays = this.#retryDelaysMs;
    if (!repeatable || delays.length === 0) return this.#sendOnce(method, path, init);
    const unavailable = (answer: unknown) => isAnswer(answer) && answer.response.status === 503;
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
      const answer = 'value' in context.result && isAnswer(context.result.value) ? context.result.value : undefined;
      const asked = parseRetryAfter(answer?.response.headers.get('retry-after'));
      const delayMs = Math.max(delays[context.attempt - 1] ?? delays.at(-1)!, Math.min(asked ?? 0, MAX_RETRY_AFTER_MS));
      this.#onRetry?.({ role: this.#role, method, path: path.split('?')[0]!, message: answer && readRestError(answer.text)?.message, retry: context.attempt, retries: delays.length, delayMs });
      return delayMs;
    });
    // The wait's timer stays referenced: it is all that keeps a CLI process alive while it waits. One
    // cut short by the deadline below does not delay the exit (bin.ts exits once a command has failed).
    const sent = retry(handleWhenResult(unavailable), { maxAttempts: delays.length, backoff }).execute(() => this.#sendOnce(method, path, init), this.#signal);
    const signal = this.#signal;
    if (signal === undefined) return sent;
    // The --timeout deadline cuts a wait between tries too (cockatiel's does not), and the command runner
    // then names the flag; the policy's last try, sent under the aborted signal, fails at once, unread.
    sent.catch(() => undefined);
    return Promise.race([sent, new Promise<never>((_resolve, reject) => (signal.aborted ? reject(signal.reason) : signal.addEventListener('abort', () => reject(signal.reason), { once: true })))]);
  }

  async #sendOnce(method: string, path: string, init: { body?: string; headers?: Record<string, string> }): Promise<Answer> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.url}${path}`, { method, ...(init.headers && { headers: init.headers }), ...(init.body !== undefined && { body: init.body }) });
    } catch (err) {
      // Our own error from the fetch (an unreadable TLS_CLIENT_CERT_FILE) is not a network failure.
      if (this.#signal?.aborted || isAgentmeshError(err)) throw err;
      throw Errors.cliRoleUnreachable({ role: this.#role, url: this.url, reason: networkReason(err) }, { cause: err });
    }
    return { response, text: await response.text() };
  }

  /** A JSON call: the parsed answer (undefined for an empty 2xx), or the failure as an AgentmeshError. */
  async json<T>(method: string, path: string, body?: unknown, options: { hint?: FailureHint; idempotent?: boolean } = {}): Promise<T> {
    const { hint, idempotent } = options;
    const { response, text } = await this.send(method, path, {
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      ...(idempotent !== undefined && { idempotent }),
    });
    if (!response.ok) throw this.failure(method, path, response, text, hint);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw Errors.cliRoleAnsweredInvalidJson({ url: this.url, method, path: path.split('?')[0]!, role: this.#role }, { cause: err });
    }
  }

  /** The error of a failed call: the server's code and message (hinted), every field violation on its own line. */
  failure(method: string, path: string, response: Response, text: string, hint?: FailureHint): AgentmeshError {
    const error = readRestError(text);
    if (error === undefined) {
      return Errors.cliRoleAnsweredStatus({ url: this.url, method, path: path.split('?')[0]!, status: response.status, role: this.#role });
    }
    const code = error.code ?? ErrorCodes.HTTP_UPSTREAM_FAILED;
    const serverMessage = error.message ?? `HTTP ${response.status}`;
    const violations = error.violations;
    const failure = { code, status: response.status, message: serverMessage };
    let message = hint?.(failure) ?? this.#hint?.(failure) ?? serverMessage;
    // One violation per line, unless the server's message lists it already.
    const unlisted = violations.filter((v) => !message.includes(`${v.field} ${v.description}`));
    if (unlisted.length > 0) message += unlisted.map((v) => `\n  - ${v.field} ${v.description}`).join('');
    return relayed(code, message, { violations, retryable: response.status >= 500 });
  }
}

/** What {@link RoleApi.send} answers: cockatiel hands it back to the retry policy as `unknown`. */
function isAnswer(value: unknown): value is Answer {
  // Structural: the fetch given may be undici's, whose Response is not the global one.
  if (typeof value !== 'object' || value === null || !('text' in value) || typeof value.text !== 'string' || !('response' in value)) return false;
  const response = value.response;
  return typeof response === 'object' && response !== null && 'status' in response && typeof response.status === 'number' && 'headers' in response;
}
