/**
 * The CLI's client of the gateway's credit API (`/v1/tenants/{tenant}/credits…`):
 * one method per call, and one place that turns an error body into a line a
 * person can act on.
 */
import type { CreditBalanceAnswer, CreditHoldsAnswer, CreditUsageAnswer, HoldReleaseAnswer, TopUpAnswer } from '../../../contracts/ledger/index.js';
import { gatewayRoleApi, type RoleApi, type RoleClientOptions } from '../../role-apis/role-api.js';

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
  readonly #api: RoleApi;

  constructor(options: RoleClientOptions & { token?: string | undefined }) {
    this.#api = gatewayRoleApi(options, 'pass --token or --admin-token, or set GATEWAY_ADMIN_TOKEN; beside a local agentmesh up, its admin token is read from .agentmesh/gateway-admin-token');
    this.url = this.#api.url;
  }

  balance(tenant: string): Promise<CreditBalanceAnswer> {
    return this.#call('GET', `/v1/tenants/${enc(tenant)}/credits`);
  }

  usage(tenant: string, query: { groupBy: readonly string[]; from?: string | undefined; to?: string | undefined }): Promise<CreditUsageAnswer> {
    const params = new URLSearchParams();
    if (query.groupBy.length > 0) params.set('groupBy', query.groupBy.join(','));
    if (query.from !== undefined) params.set('from', query.from);
    if (query.to !== undefined) params.set('to', query.to);
    const qs = params.toString();
    return this.#call('GET', `/v1/tenants/${enc(tenant)}/credits/usage${qs ? `?${qs}` : ''}`);
  }

  topUp(tenant: string, milliCredits: number, reference: string): Promise<TopUpAnswer> {
    // Idempotent by its reference: a top-up answered 503 is sent again, and adds the credits once.
    return this.#api.json<TopUpAnswer>('POST', `/v1/tenants/${enc(tenant)}/credits/topups`, { milliCredits, reference }, { idempotent: true });
  }

  holds(tenant: string, limit?: number): Promise<CreditHoldsAnswer> {
    return this.#call('GET', `/v1/tenants/${enc(tenant)}/credits/reservations${limit !== undefined ? `?limit=${limit}` : ''}`);
  }

  release(tenant: string, key: string, reason?: string): Promise<HoldReleaseAnswer> {
    return this.#call('POST', `/v1/tenants/${enc(tenant)}/credits/reservations/release`, { key, ...(reason !== undefined && { reason }) });
  }

  #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#api.json<T>(method, path, body);
  }
}

const enc = encodeURIComponent;
