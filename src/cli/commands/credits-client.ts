/**
 * The CLI's client of the gateway's credit API (`/v1/tenants/{tenant}/credits…`):
 * one method per call, and one place that turns an error body into a line a
 * person can act on.
 */
import { AgentmeshError, ErrorCodes, type ErrorCode } from '../../protocol/index.js';
import { networkReason } from '../client.js';
import { createOutboundFetch } from '../outbound-fetch.js';

/** Where the CLI finds the gateway when neither `--gateway` nor `AGENTMESH_GATEWAY` says. */
export const DEFAULT_GATEWAY_URL = 'http://localhost:4200';

/** `GET /v1/tenants/{tenant}/credits`. */
export interface BalanceBody {
  tenant: string;
  milliCredits: number;
  credits: string;
  reservedMilliCredits: number;
  reservedCredits: string;
  availableMilliCredits: number;
  availableCredits: string;
}

/** `GET /v1/tenants/{tenant}/credits/usage`. */
export interface UsageBody {
  tenant: string;
  from?: string;
  to?: string;
  groupBy: string[];
  rows: Array<{ agent?: string; skill?: string; day?: string; milliCredits: number; credits: string; calls: number }>;
  total: { milliCredits: number; credits: string; calls: number };
}

/** `POST /v1/tenants/{tenant}/credits/topups`. */
export interface TopUpBody {
  tenant: string;
  reference: string;
  milliCredits: number;
  credits: string;
  createdAt: string;
  replayed: boolean;
  balance: BalanceBody;
}

interface ErrorBody {
  error?: { message?: unknown; details?: Array<{ reason?: unknown; domain?: unknown }> };
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/**
 * Calls the gateway's credit API. Every failure is an AgentmeshError whose
 * message is the line the CLI prints.
 *
 * @example
 * const gateway = new CreditsClient({ url: 'http://localhost:4200', token });
 * const balance = await gateway.balance('acme');
 */
export class CreditsClient {
  readonly url: string;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;

  constructor(options: { url: string; token?: string | undefined; fetchImpl?: typeof fetch | undefined; signal?: AbortSignal | undefined }) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new AgentmeshError(ErrorCodes.CLI_USAGE, `invalid gateway URL "${options.url}" (expected http(s)://host[:port])`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AgentmeshError(ErrorCodes.CLI_USAGE, `invalid gateway URL "${options.url}": only http and https are supported`);
    this.url = parsed.href.replace(/\/+$/, '');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined && options.token !== '') headers.authorization = `Bearer ${options.token}`;
    this.#fetch = createOutboundFetch({ headers, ...(options.fetchImpl && { fetchImpl: options.fetchImpl }), ...(options.signal && { signal: options.signal }) });
    this.#signal = options.signal;
  }

  balance(tenant: string): Promise<BalanceBody> {
    return this.#call('GET', `/v1/tenants/${enc(tenant)}/credits`);
  }

  usage(tenant: string, query: { groupBy: readonly string[]; from?: string | undefined; to?: string | undefined }): Promise<UsageBody> {
    const params = new URLSearchParams();
    if (query.groupBy.length > 0) params.set('groupBy', query.groupBy.join(','));
    if (query.from !== undefined) params.set('from', query.from);
    if (query.to !== undefined) params.set('to', query.to);
    const qs = params.toString();
    return this.#call('GET', `/v1/tenants/${enc(tenant)}/credits/usage${qs ? `?${qs}` : ''}`);
  }

  topUp(tenant: string, milliCredits: number, reference: string): Promise<TopUpBody> {
    return this.#call('POST', `/v1/tenants/${enc(tenant)}/credits/topups`, { milliCredits, reference });
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.url}${path}`, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    } catch (err) {
      // The --timeout deadline: the command runner names the flag.
      if (this.#signal?.aborted) throw err;
      throw new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `cannot reach the gateway at ${this.url}: ${networkReason(err)}`, { cause: err, retryable: true });
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `${this.url} answered ${method} ${path.split('?')[0]} with invalid JSON; is it an agentmesh gateway?`, { cause: err });
      }
    }
    let error: ErrorBody['error'];
    try {
      error = (JSON.parse(text) as ErrorBody).error;
    } catch {
      error = undefined;
    }
    if (error === undefined) throw new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `${this.url} answered ${method} ${path.split('?')[0]} with HTTP ${response.status}; is it an agentmesh gateway?`);
    const reason = (error.details ?? []).find((d) => d.domain === 'agentmesh.dev' && typeof d.reason === 'string')?.reason as string | undefined;
    const code = (reason !== undefined && KNOWN_CODES.has(reason) ? reason : ErrorCodes.HTTP_UPSTREAM_FAILED) as ErrorCode;
    const serverMessage = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
    const message = response.status === 401 ? `${serverMessage} (pass --token or --admin-token, or set GATEWAY_ADMIN_TOKEN)` : serverMessage;
    throw new AgentmeshError(code, message, { retryable: response.status >= 500 });
  }
}

const enc = encodeURIComponent;
