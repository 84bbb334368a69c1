/**
 * The CLI's client of the gateway's approvals API (`/v1/approvals…`,
 * `/v1/approval-rules…`, docs/approvals.md): one method per call.
 */
import type { ApprovalListAnswer, ApprovalRuleView, ApprovalView } from '../../../contracts/approvals/index.js';
import { GatewayApiClient, queryString, type GatewayClientOptions } from '../../role-apis/role-api.js';

/**
 * Calls the approvals API. Every failure is an AgentmeshError whose message
 * is the line the CLI prints.
 *
 * @example
 * const gateway = new ApprovalsClient({ url: 'http://localhost:4200', token });
 * const { approvals } = await gateway.list({ state: 'pending' });
 */
export class ApprovalsClient extends GatewayApiClient {
  constructor(options: GatewayClientOptions) {
    super(options, 'pass --token with a principal holding the approver scope, or --admin-token');
  }

  list(query: { state?: string | undefined; tenant?: string | undefined; agent?: string | undefined; limit?: number | undefined }): Promise<ApprovalListAnswer> {
    return this.api.json('GET', `/v1/approvals${queryString(query)}`);
  }

  show(id: string): Promise<ApprovalView> {
    return this.api.json('GET', `/v1/approvals/${enc(id)}`);
  }

  decide(id: string, decision: 'approve' | 'deny', reason: string | undefined): Promise<ApprovalView> {
    return this.api.json('POST', `/v1/approvals/${enc(id)}/${decision}`, reason === undefined ? {} : { reason });
  }

  rules(): Promise<{ rules: ApprovalRuleView[] }> {
    return this.api.json('GET', '/v1/approval-rules');
  }

  putRule(id: string, rule: Record<string, unknown>): Promise<ApprovalRuleView> {
    return this.api.json('PUT', `/v1/approval-rules/${enc(id)}`, rule);
  }

  async deleteRule(id: string): Promise<void> {
    await this.api.json('DELETE', `/v1/approval-rules/${enc(id)}`);
  }
}

const enc = encodeURIComponent;
