/**
 * The fetch every outbound CLI call goes through: the agent card download and
 * every A2A request of the SDK transports. It adds the caller's headers, the
 * command deadline, and a W3C `traceparent` when no tracing fetch was given.
 */
import { randomBytes } from 'node:crypto';
import { cliFetch, headerRecord } from './http-fetch.js';

/** Options of {@link createOutboundFetch}. */
export interface OutboundFetchOptions {
  /**
   * The underlying fetch. When given, it owns trace propagation (the
   * observability fetch injects the active span); when absent, the CLI's
   * node:http fetch (http-fetch.ts) is used and a `traceparent` is generated here.
   */
  fetchImpl?: typeof fetch;
  /** Headers added to every request (`Authorization`, `--header` values); they win over the SDK's. */
  headers?: Readonly<Record<string, string>>;
  /** Aborts every request, including reads of an open stream (the `--timeout` deadline). */
  signal?: AbortSignal;
}

/**
 * Wraps `fetch` with a `traceparent` header (W3C Trace Context §3.2): one
 * trace id for the whole command, so an agent's logs tie all of its calls
 * together, and a fresh parent id per request. A header already present wins.
 */
export function withTraceparent(fetchImpl: typeof fetch): typeof fetch {
  const traceId = randomBytes(16).toString('hex');
  return (input, init) => {
    // A plain record, never `Headers`: touching fetch's globals compiles Node's undici (http-fetch.ts).
    const headers = headerRecord(init?.headers);
    // Version 00, sampled flag 01: we want the agent to record these calls.
    headers['traceparent'] ??= `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    return fetchImpl(input, { ...init, headers });
  };
}

/**
 * Builds the fetch for one CLI command.
 *
 * @example
 * const f = createOutboundFetch({ headers: { authorization: 'Bearer t' }, signal: AbortSignal.timeout(5000) });
 */
export function createOutboundFetch(options: OutboundFetchOptions = {}): typeof fetch {
  const base = options.fetchImpl ?? withTraceparent(cliFetch);
  const extra = Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const);
  const deadline = options.signal;
  return (input, init) => {
    const headers = headerRecord(init?.headers);
    for (const [name, value] of extra) headers[name] = value;
    const signal = deadline === undefined ? init?.signal : init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const next: RequestInit = { ...init, headers };
    if (signal) next.signal = signal;
    return base(input, next);
  };
}
