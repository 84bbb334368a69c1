/**
 * The CLI's client of the gateway's credit API (`/v1/tenants/{tenant}/credits…`):
 * one method per call, and one place that turns an error body into a line a
 * person can act on.
 */
import type { CreditBalanceAnswer, CreditHoldsAnswer, CreditUsageAnswer, HoldReleaseAnswer, TopUpAnswer } from '../../../contracts/ledger/index.js';
import { GatewayApiClient, queryString, type GatewayClientOptions } from '../../role-apis/role-api.js';

/**
 * Calls the gateway's credit API. Every failure is an AgentmeshError whose
 * message is the line the CLI prints.
 *
 * @example
 * const gateway = new CreditsClient({ url: 'http://localhost:4200', token });
 * const balance = await gateway.balance('acme');
 */
export class CreditsClient extends GatewayApiClient {
  constructor(options: GatewayClientOptions) {
    super(options, 'pass --token or --admin-token, or set GATEWAY_ADMIN_TOKEN; beside a local agentmesh up, its admin token is read from .agentmesh/gateway-admin-token');
  }

  balance(tenant: string): Promise<CreditBalanceAnswer> {
    return this.api.json('GET', `/v1/tenants/${enc(tenant)}/credits`);
  }

  usage(tenant: string, query: { groupBy: readonly string[]; from?: string | undefined; to?: string | undefined }): Promise<CreditUsageAnswer> {
    const groupBy = query.groupBy.length > 0 ? query.groupBy.join(',') : undefined;
    return this.api.json('GET', `/v1/tenants/${enc(tenant)}/credits/usage${queryString({ groupBy, from: query.from, to: query.to })}`);
  }

  topUp(tenant: string, milliCredits: number, reference: string): Promise<TopUpAnswer> {
    // Idempotent by its reference: a top-up answered 503 is sent again, and adds the credits once.
    return this.api.json<TopUpAnswer>('POST', `/v1/tenants/${enc(tenant)}/credits/topups`, { milliCredits, reference }, { idempotent: true });
  }

  holds(tenant: string, limit?: number): Promise<CreditHoldsAnswer> {
    return this.api.json('GET', `/v1/tenants/${enc(tenant)}/credits/reservations${queryString({ limit })}`);
  }

  release(tenant: string, key: string, reason?: string): Promise<HoldReleaseAnswer> {
    return this.api.json('POST', `/v1/tenants/${enc(tenant)}/credits/reservations/release`, { key, ...(reason !== undefined && { reason }) });
  }
}

const enc = encodeURIComponent;
