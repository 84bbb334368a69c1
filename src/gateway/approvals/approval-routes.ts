import type { FastifyInstance, FastifyRequest } from 'fastify';
import { approvalDecisionBody, approvalIdParams, approvalListQuery, type ApprovalDecisionRequest, type ApprovalListAnswer, type ApprovalListParams, type ApprovalRuleView, type ApprovalView } from '../../contracts/approvals/index.js';
import { installBearerChallenge } from '../../http/index.js';
import { Errors, isRecord } from '../../protocol/index.js';
import { adminOrCaller, delegationChain, GATEWAY_ADMIN_SCOPE, type Identity, type Principal } from '../identity/index.js';
import type { ApprovalGate, Approver } from './approval-gate.js';
import { approvalRuleSchema, type ApprovalRule } from './approval-rule.js';
import type { ApprovalRecord } from './approval-store.js';

/** What the approvals API needs. */
export interface ApprovalRoutesOptions {
  gate: ApprovalGate;
  identity: Identity;
}

type Id = { Params: { id: string } };

/**
 * `/v1/approvals…` and `/v1/approval-rules…` (docs/approvals.md):
 * - an approver (a principal holding a call's approver scope, of the call's
 *   tenant) lists, reads, approves and denies that tenant's parked calls;
 *   `gateway:admin` (or the admin token) does so for every tenant;
 * - rules are the platform's: listing, writing and deleting them needs
 *   `gateway:admin`. Rules from the configuration are listed, never changed.
 * Registered as an encapsulated plugin, so its WWW-Authenticate hook touches
 * only these routes.
 */
export async function approvalRoutes(app: FastifyInstance, o: ApprovalRoutesOptions): Promise<void> {
  const tags = ['approvals'];
  installBearerChallenge(app, { realm: 'agentmesh' });

  app.get<{ Querystring: ApprovalListParams }>('/v1/approvals', { schema: { tags, summary: 'Parked calls, newest first', querystring: approvalListQuery } }, async (request): Promise<ApprovalListAnswer> => {
    const { principal, admin } = await adminOrCaller(request, o.identity);
    const q = request.query;
    const page = await o.gate.list({
      ...(q.state !== undefined && { state: q.state }),
      ...(admin ? q.tenant !== undefined && { tenant: q.tenant } : { tenant: principal.tenant, approverScopes: principal.scopes }),
      ...(q.agent !== undefined && { agent: q.agent }),
      ...(q.before !== undefined && { before: Number(q.before) }),
      limit: q.limit,
    });
    const last = page.at(-1);
    return { approvals: page.map((a) => view(a, false)), ...(page.length === q.limit && last !== undefined && { next: String(last.createdAt) }) };
  });

  app.get<Id>('/v1/approvals/:id', { schema: { tags, summary: 'One parked call, with its message', params: approvalIdParams } }, async (request) => {
    const { principal, admin } = await adminOrCaller(request, o.identity);
    const a = await o.gate.get(request.params.id, admin ? undefined : principal.tenant);
    if (a === undefined || (!admin && !principal.scopes.includes(a.approverScope))) throw Errors.approvalNotFound({ quotedId: JSON.stringify(request.params.id) });
    return view(a, true);
  });

  for (const decision of ['approve', 'deny'] as const) {
    app.post<Id & { Body: ApprovalDecisionRequest | undefined }>(
      `/v1/approvals/:id/${decision}`,
      { schema: { tags, summary: decision === 'approve' ? 'Approve a parked call: it is sent, and charged, now' : 'Deny a parked call: it ends REJECTED, its hold refunded', params: approvalIdParams, body: approvalDecisionBody } },
      async (request) => {
        const { principal, admin } = await adminOrCaller(request, o.identity);
        const reason = request.body?.reason;
        if (decision === 'deny' && reason === undefined) throw Errors.approvalInvalid({ field: 'reason', problem: 'a denial says why: the caller reads it' });
        const approver: Approver = { principal, admin, ...(reason !== undefined && { reason }) };
        const a = decision === 'approve' ? await o.gate.approve(request.params.id, approver) : await o.gate.deny(request.params.id, approver);
        return view(a, false);
      },
    );
  }

  app.get('/v1/approval-rules', { schema: { tags, summary: 'The approval rules in force (scope gateway:admin)' } }, async (request): Promise<{ rules: ApprovalRuleView[] }> => {
    await requireAdmin(request, o.identity);
    return { rules: o.gate.rules() };
  });

  app.put<Id & { Body: unknown }>('/v1/approval-rules/:id', { schema: { tags, summary: 'Write an approval rule (scope gateway:admin)', params: approvalIdParams } }, async (request): Promise<ApprovalRuleView> => {
    const admin = await requireAdmin(request, o.identity);
    const body = isRecord(request.body) ? request.body : {};
    const parsed = approvalRuleSchema.safeParse({ ...body, id: request.params.id });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw Errors.approvalInvalid({ field: issue.path.join('.') || 'body', problem: issue.message });
    }
    const rule: ApprovalRule = { ...parsed.data, source: 'api' };
    await o.gate.putRule(rule, admin.subject);
    return rule;
  });

  app.delete<Id>('/v1/approval-rules/:id', { schema: { tags, summary: 'Delete an approval rule (scope gateway:admin)', params: approvalIdParams } }, async (request, reply) => {
    await requireAdmin(request, o.identity);
    await o.gate.deleteRule(request.params.id);
    return reply.code(204).send();
  });
}

async function requireAdmin(request: FastifyRequest, identity: Identity): Promise<Principal> {
  const { principal, admin } = await adminOrCaller(request, identity);
  if (!admin) throw Errors.approvalRulesNeedAdmin({ scope: GATEWAY_ADMIN_SCOPE });
  return principal;
}

function view(a: ApprovalRecord, withMessage: boolean): ApprovalView {
  return {
    id: a.id,
    state: a.state,
    tenant: a.tenant,
    agent: a.agent,
    ...(a.skill !== '' && { skill: a.skill }),
    rule: a.ruleId,
    reason: a.reason,
    approverScope: a.approverScope,
    caller: a.principal.subject,
    chain: delegationChain(a.principal),
    milliCredits: a.milliCredits,
    createdAt: new Date(a.createdAt).toISOString(),
    expiresAt: new Date(a.expiresAt).toISOString(),
    ...(a.decidedBy !== undefined && { decidedBy: a.decidedBy }),
    ...(a.decidedAt !== undefined && { decidedAt: new Date(a.decidedAt).toISOString() }),
    ...(a.decisionReason !== undefined && { decisionReason: a.decisionReason }),
    ...(a.taskId !== undefined && { taskId: a.taskId }),
    ...(a.outcome !== undefined && { outcome: a.outcome }),
    ...(withMessage && { message: messageOf(a) }),
  };
}

/** The message the parked call sends: JSON-RPC `params.message`, REST `message`. */
function messageOf(a: ApprovalRecord): unknown {
  try {
    const body: unknown = JSON.parse(Buffer.from(a.request.body, 'base64').toString('utf8'));
    if (!isRecord(body)) return undefined;
    const params = a.request.binding === 'JSONRPC' ? body['params'] : body;
    return isRecord(params) ? params['message'] : undefined;
  } catch {
    return undefined;
  }
}
