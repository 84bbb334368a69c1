/**
 * The CLI's client of the gateway's approvals API (`/v1/approvals…`,
 * `/v1/approval-rules…`, docs/approvals.md): one method per call.
 */
import type { ApprovalListAnswer, ApprovalRuleView, ApprovalView } from '../../../contracts/approvals/index.js';
import { gatewayRoleApi, type RoleApi, type RoleClientOptions } from '../../role-apis/role-api.js';

/**
 * Calls the approvals API. Every failure is an AgentmeshError whose message
 * is the line the CLI prints.
 *
 * @example
 * const gateway = new ApprovalsClient({ url: 'http://localhost:4200', token });
 * const { approvals } = await gateway.list({ state: 'pending' });
 */
export class ApprovalsClient {
  readonly url: string;
  readonly #api: RoleApi;

  constructor(options: RoleClientOptions & { token?: string | undefined }) {
    this.#api = gatewayRoleApi(options, 'pass --token with a principal holding the approver scope, or --admin-token');
    this.url = this.#api.url;
  }

  list(query: { state?: string | undefined; tenant?: string | undefined; agent?: string | undefined; limit?: number | undefined }): Promise<ApprovalListAnswer> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return this.#api.json('GET', `/v1/approvals${qs ? `?${qs}` : ''}`);
  }

  show(id: string): Promise<ApprovalView> {
    return this.#api.json('GET', `/v1/approvals/${enc(id)}`);
  }

  decide(id: string, decision: 'approve' | 'deny', reason: string | undefined): Promise<ApprovalView> {
    return this.#api.json('POST', `/v1/approvals/${enc(id)}/${decision}`, reason === undefined ? {} : { reason });
  }

  rules(): Promise<{ rules: ApprovalRuleView[] }> {
    return this.#api.json('GET', '/v1/approval-rules');
  }

  putRule(id: string, rule: Record<string, unknown>): Promise<ApprovalRuleView> {
    return this.#api.json('PUT', `/v1/approval-rules/${enc(id)}`, rule);
  }

  async deleteRule(id: string): Promise<void> {
    await this.#api.json('DELETE', `/v1/approval-rules/${enc(id)}`);
  }
}

const enc = encodeURIComponent;
