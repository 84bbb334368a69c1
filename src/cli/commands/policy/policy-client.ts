/**
 * The CLI's client of the gateway's policies API (`/v1/policies…`,
 * docs/policies.md): one method per call.
 */
import type { PolicyExplainAnswer, PolicyListAnswer, PolicyTestAnswer, PolicyVersionsAnswer, PolicyView } from '../../../contracts/policies/index.js';
import { GatewayApiClient, queryString, type GatewayClientOptions } from '../../role-apis/role-api.js';

/**
 * Calls the policies API. Every failure is an AgentmeshError whose message
 * is the line the CLI prints (a refused policy's names its line and column).
 *
 * @example
 * const gateway = new PolicyClient({ url: 'http://localhost:4200', token });
 * const { policies } = await gateway.list(undefined);
 */
export class PolicyClient extends GatewayApiClient {
  constructor(options: GatewayClientOptions) {
    super(options, "pass --token with a principal holding gateway:policies (its tenant's policies), or --admin-token");
  }

  list(tenant: string | undefined): Promise<PolicyListAnswer> {
    return this.api.json('GET', `/v1/policies${queryString({ tenant })}`);
  }

  show(id: string, tenant: string | undefined, version: number | undefined): Promise<PolicyView> {
    return this.api.json('GET', `/v1/policies/${enc(id)}${queryString({ tenant, version })}`);
  }

  versions(id: string, tenant: string | undefined): Promise<PolicyVersionsAnswer> {
    return this.api.json('GET', `/v1/policies/${enc(id)}/versions${queryString({ tenant })}`);
  }

  put(id: string, policy: Record<string, unknown>): Promise<PolicyView> {
    return this.api.json('PUT', `/v1/policies/${enc(id)}`, policy);
  }

  rollback(id: string, tenant: string | undefined, version: number): Promise<PolicyView> {
    return this.api.json('POST', `/v1/policies/${enc(id)}/rollback`, { version, ...(tenant !== undefined && { tenant }) });
  }

  remove(id: string, tenant: string | undefined): Promise<PolicyView> {
    return this.api.json('DELETE', `/v1/policies/${enc(id)}${queryString({ tenant })}`);
  }

  test(request: Record<string, unknown>, policies: Array<Record<string, unknown>>): Promise<PolicyTestAnswer> {
    return this.api.json('POST', '/v1/policies/test', { request, ...(policies.length > 0 && { policies }) });
  }

  explain(seq: number): Promise<PolicyExplainAnswer> {
    return this.api.json('GET', `/v1/policies/explain/${seq}`);
  }
}

const enc = encodeURIComponent;
