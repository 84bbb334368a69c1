/**
 * The CLI's client of the gateway's policies API (`/v1/policies…`,
 * docs/policies.md): one method per call.
 */
import type { PolicyExplainAnswer, PolicyListAnswer, PolicyTestAnswer, PolicyVersionsAnswer, PolicyView } from '../../../contracts/policies/index.js';
import { gatewayRoleApi, type RoleApi, type RoleClientOptions } from '../../role-apis/role-api.js';

/**
 * Calls the policies API. Every failure is an AgentmeshError whose message
 * is the line the CLI prints (a refused policy's names its line and column).
 *
 * @example
 * const gateway = new PolicyClient({ url: 'http://localhost:4200', token });
 * const { policies } = await gateway.list(undefined);
 */
export class PolicyClient {
  readonly url: string;
  readonly #api: RoleApi;

  constructor(options: RoleClientOptions & { token?: string | undefined }) {
    this.#api = gatewayRoleApi(options, "pass --token with a principal holding gateway:policies (its tenant's policies), or --admin-token");
    this.url = this.#api.url;
  }

  list(tenant: string | undefined): Promise<PolicyListAnswer> {
    return this.#api.json('GET', `/v1/policies${query({ tenant })}`);
  }

  show(id: string, tenant: string | undefined, version: number | undefined): Promise<PolicyView> {
    return this.#api.json('GET', `/v1/policies/${enc(id)}${query({ tenant, version })}`);
  }

  versions(id: string, tenant: string | undefined): Promise<PolicyVersionsAnswer> {
    return this.#api.json('GET', `/v1/policies/${enc(id)}/versions${query({ tenant })}`);
  }

  put(id: string, policy: Record<string, unknown>): Promise<PolicyView> {
    return this.#api.json('PUT', `/v1/policies/${enc(id)}`, policy);
  }

  rollback(id: string, tenant: string | undefined, version: number): Promise<PolicyView> {
    return this.#api.json('POST', `/v1/policies/${enc(id)}/rollback`, { version, ...(tenant !== undefined && { tenant }) });
  }

  remove(id: string, tenant: string | undefined): Promise<PolicyView> {
    return this.#api.json('DELETE', `/v1/policies/${enc(id)}${query({ tenant })}`);
  }

  test(request: Record<string, unknown>, policies: Array<Record<string, unknown>>): Promise<PolicyTestAnswer> {
    return this.#api.json('POST', '/v1/policies/test', { request, ...(policies.length > 0 && { policies }) });
  }

  explain(seq: number): Promise<PolicyExplainAnswer> {
    return this.#api.json('GET', `/v1/policies/explain/${seq}`);
  }
}

const enc = encodeURIComponent;

function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs === '' ? '' : `?${qs}`;
}
