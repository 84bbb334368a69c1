/**
 * What the CLI's clients of agentmesh's own HTTP APIs (registry, gateway
 * management, credits) share: sending a call under the `--timeout` signal,
 * reading JSON, and turning a google.rpc.Status error body into an
 * AgentmeshError whose message a person can act on. Each client adds only
 * its calls and its hints.
 */
import { type AgentmeshError, ErrorCodes, isAgentmeshError, networkReason, readRestError, type ErrorCode, Errors, relayed } from '../../protocol/index.js';
import { createOutboundFetch } from '../client/outbound-fetch.js';

/** Rewrites the server's message of a failed call; `undefined` keeps it. */
export type FailureHint = (failure: { code: ErrorCode; status: number; message: string }) => string | undefined;

/** Where a command reaches a role's API and how: what every client of one is opened with. */
export interface RoleClientOptions {
  /** Base URL of the role. */
  url: string;
  /** Underlying fetch; default global fetch with a `traceparent`. */
  fetchImpl?: typeof fetch | undefined;
  /** Deadline of everything this client does (`--timeout`): aborting it aborts the call, and the command runner names the flag. */
  signal?: AbortSignal | undefined;
}

/** Options of {@link RoleApi}. */
export interface RoleApiOptions extends RoleClientOptions {
  /** What the role is called in messages: `registry`, `gateway`. */
  role: string;
  /** Headers on every call (authorization). */
  headers?: Record<string, string>;
  hint?: FailureHint;
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
export function gatewayRoleApi(options: RoleClientOptions & { token?: string | undefined }, unauthorized: string): RoleApi {
  return new RoleApi({
    url: options.url,
    role: 'gateway',
    headers: options.token !== undefined && options.token !== '' ? { authorization: `Bearer ${options.token}` } : {},
    fetchImpl: options.fetchImpl,
    signal: options.signal,
    hint: ({ status, message }) => (status === 401 ? `${message} (${unauthorized})` : undefined),
  });
}

/** One agentmesh role's HTTP API, as the CLI calls it. */
export class RoleApi {
  readonly url: string;
  readonly #role: string;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;
  readonly #hint: FailureHint | undefined;

  /** Refuses (AM_ERR_CLI_USAGE) a base URL that is not absolute http(s). */
  constructor(options: RoleApiOptions) {
    this.url = roleUrl(options.role, options.url);
    this.#role = options.role;
    this.#signal = options.signal;
    this.#hint = options.hint;
    this.#fetch = createOutboundFetch({ headers: { accept: 'application/json', ...options.headers }, ...(options.fetchImpl && { fetchImpl: options.fetchImpl }), ...(options.signal && { signal: options.signal }) });
  }

  /** Sends one call; a network failure becomes "cannot reach the <role> at <url>". */
  async send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<{ response: Response; text: string }> {
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
  async json<T>(method: string, path: string, body?: unknown, hint?: FailureHint): Promise<T> {
    const { response, text } = await this.send(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
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
