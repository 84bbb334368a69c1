import { sql, type Kysely, type Selectable } from 'kysely';
import type { GatewayApprovalsTable, Tables } from '../../storage/index.js';
import { requireOneOf } from '../../protocol/index.js';
import type { Principal } from '../identity/index.js';
import type { ApprovalRule } from './approval-rule.js';

/**
 * Between a reused messageId and the suffix of a later call parked under it
 * (ADR 0046): a control character, which no client's messageId is expected to
 * carry, so the stored ids of one messageId never mix with another's.
 */
const REPEAT_SEPARATOR = '\u001f';

/**
 * The states of a parked call (docs/approvals.md, "States"): `pending` until
 * decided or expired; `forwarding` while an approved call is being sent (the
 * one transition that wins the row sends it, so two approvers never both send
 * it; a send a stopped replica left unfinished is sent again under the same
 * message id, which the runtime runs once); then `approved` (forwarded), `denied`
 * or `expired` (both end the caller's task REJECTED).
 */
export type ApprovalState = (typeof APPROVAL_STATES)[number];
const APPROVAL_STATES = ['pending', 'forwarding', 'approved', 'denied', 'expired', 'canceled'] as const;

/** The call as received, kept to forward it once approved. */
export interface ParkedRequest {
  binding: 'JSONRPC' | 'HTTP+JSON';
  version: '0.3' | '1.0';
  streaming: boolean;
  /** The path under `/agents/{name}`, as forwarded. */
  path: string;
  /** The body, base64. */
  body: string;
  /** The JSON-RPC id of the original request (answers to GetTask use the new request's). */
  jsonRpcId?: string | number | null;
}

/** A parked call and its decision. */
export interface ApprovalRecord {
  id: string;
  tenant: string;
  agent: string;
  skill: string;
  ruleId: string;
  reason: string;
  approverScope: string;
  state: ApprovalState;
  principal: Principal;
  request: ParkedRequest;
  messageId: string;
  contextId: string;
  milliCredits: number;
  /** The credit hold's key ('' when the call is free). */
  reservationKey: string;
  createdAt: number;
  expiresAt: number;
  decidedBy?: string;
  decidedAt?: number;
  decisionReason?: string;
  /** The agent's task, once forwarded. */
  taskId?: string;
  /** What forwarding answered: the task's state then, or why it failed. */
  outcome?: { state?: string; status?: number; error?: string };
}

/** A new parked call. */
export type NewApproval = Omit<ApprovalRecord, 'state' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'taskId' | 'outcome'>;

/** Which parked calls to list, newest first. */
export interface ApprovalQuery {
  tenant?: string;
  agent?: string;
  state?: ApprovalState;
  /** Only those whose approver scope is one of these. */
  approverScopes?: readonly string[];
  /** Created before this (epoch ms): the next page. */
  before?: number;
  limit: number;
}

/** The decision written with a state change. */
export interface Decision {
  by: string;
  at: number;
  reason?: string;
}

/**
 * Approval rules and parked calls (`gateway_approval_rules`,
 * `gateway_approvals`, migration 0020), on SQLite and PostgreSQL alike
 * through Kysely. Every state change is one conditional update, so two
 * replicas, or two approvers, deciding the same call at once: one wins,
 * the other is told it lost.
 */
export class ApprovalStore {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async rules(): Promise<ApprovalRule[]> {
    const rows = await this.#db.selectFrom('gateway_approval_rules').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      ...(r.agent !== '' && { agent: r.agent }),
      ...(r.skill !== '' && { skill: r.skill }),
      ...(r.match_tenant !== '' && { tenant: r.match_tenant }),
      ...(r.condition !== '' && { condition: r.condition }),
      ...(r.reason !== '' && { reason: r.reason }),
      approverScope: r.approver_scope,
      expiresAfterMs: Number(r.expires_after_ms),
      source: 'api' as const,
    }));
  }

  /** Writes a rule (a rule of the same id is replaced). */
  async putRule(rule: ApprovalRule, by: string): Promise<void> {
    const row = { agent: rule.agent ?? '', skill: rule.skill ?? '', match_tenant: rule.tenant ?? '', condition: rule.condition ?? '', reason: rule.reason ?? '', approver_scope: rule.approverScope, expires_after_ms: rule.expiresAfterMs, created_at: Date.now(), created_by: by };
    await this.#db
      .insertInto('gateway_approval_rules')
      .values({ id: rule.id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  /** Deletes a rule; false when there was none. */
  async deleteRule(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('gateway_approval_rules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Stores a parked call; false when the same message (tenant, agent, message id) is parked already.
   * `repeat` names a later call under a reused message id (another message, ADR 0046): stored under a suffix of its own.
   */
  async insert(a: NewApproval, repeat?: string): Promise<boolean> {
    const result = await this.#db
      .insertInto('gateway_approvals')
      .values({
        id: a.id,
        tenant: a.tenant,
        agent: a.agent,
        skill: a.skill,
        rule_id: a.ruleId,
        reason: a.reason,
        approver_scope: a.approverScope,
        state: 'pending',
        principal: JSON.stringify(a.principal),
        request: JSON.stringify(a.request),
        message_id: repeat === undefined ? a.messageId : `${a.messageId}${REPEAT_SEPARATOR}${repeat}`,
        context_id: a.contextId,
        milli_credits: a.milliCredits,
        reservation_key: a.reservationKey,
        created_at: a.createdAt,
        expires_at: a.expiresAt,
      })
      .onConflict((oc) => oc.columns(['tenant', 'agent', 'message_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** The parked call of a message, if it was parked. */
  async byMessage(tenant: string, agent: string, messageId: string): Promise<ApprovalRecord | undefined> {
    // The newest call parked under the id: the first is stored under the id itself, later ones (other
    // messages under a reused id, ADR 0046) under the id, a separator and a suffix of their own.
    const prefix = `${messageId}${REPEAT_SEPARATOR}`;
    const row = await this.#db
      .selectFrom('gateway_approvals')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('agent', '=', agent)
      .where((eb) => eb.or([eb('message_id', '=', messageId), eb(sql<string>`substr(message_id, 1, ${prefix.length})`, '=', prefix)]))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const row = await this.#db.selectFrom('gateway_approvals').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  async list(q: ApprovalQuery): Promise<ApprovalRecord[]> {
    let query = this.#db.selectFrom('gateway_approvals').selectAll();
    if (q.tenant !== undefined) query = query.where('tenant', '=', q.tenant);
    if (q.agent !== undefined) query = query.where('agent', '=', q.agent);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    if (q.approverScopes !== undefined) query = query.where('approver_scope', 'in', q.approverScopes.length > 0 ? [...q.approverScopes] : ['']);
    if (q.before !== undefined) query = query.where('created_at', '<', q.before);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(recordOf);
  }

  /**
   * Moves a call from `from` to `to` with its decision; false when it was no
   * longer in `from` (another approver, replica or the expiry got there first).
   */
  async transition(id: string, from: ApprovalState, to: ApprovalState, decision?: Decision): Promise<boolean> {
    const result = await this.#db
      .updateTable('gateway_approvals')
      .set({ state: to, ...(decision !== undefined && { decided_by: decision.by, decided_at: decision.at, decision_reason: decision.reason ?? null }) })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records what forwarding an approved call answered, and ends it `approved`. */
  async forwarded(id: string, taskId: string | undefined, outcome: ApprovalRecord['outcome']): Promise<void> {
    await this.#db
      .updateTable('gateway_approvals')
      .set({ state: 'approved', task_id: taskId ?? null, outcome: JSON.stringify(outcome ?? {}) })
      .where('id', '=', id)
      .where('state', '=', 'forwarding')
      .execute();
  }

  /** Pending calls past their expiry, oldest first. */
  async due(now: number, limit: number): Promise<ApprovalRecord[]> {
    const rows = await this.#db.selectFrom('gateway_approvals').selectAll().where('state', '=', 'pending').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
    return rows.map(recordOf);
  }

  /** Approved calls whose forwarding a stopped gateway left unfinished. */
  async stranded(limit: number): Promise<ApprovalRecord[]> {
    const rows = await this.#db.selectFrom('gateway_approvals').selectAll().where('state', '=', 'forwarding').orderBy('created_at').limit(limit).execute();
    return rows.map(recordOf);
  }
}

function recordOf(r: Selectable<GatewayApprovalsTable>): ApprovalRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    agent: r.agent,
    skill: r.skill,
    ruleId: r.rule_id,
    reason: r.reason,
    approverScope: r.approver_scope,
    state: requireOneOf(APPROVAL_STATES, r.state, 'gateway_approvals.state'),
    principal: JSON.parse(r.principal) as Principal,
    request: JSON.parse(r.request) as ParkedRequest,
    messageId: r.message_id.split(REPEAT_SEPARATOR, 1)[0]!,
    contextId: r.context_id,
    milliCredits: Number(r.milli_credits),
    reservationKey: r.reservation_key,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    ...(r.decided_by !== null && { decidedBy: r.decided_by }),
    ...(r.decided_at !== null && { decidedAt: Number(r.decided_at) }),
    ...(r.decision_reason !== null && { decisionReason: r.decision_reason }),
    ...(r.task_id !== null && { taskId: r.task_id }),
    ...(r.outcome !== null && { outcome: JSON.parse(r.outcome) as ApprovalRecord['outcome'] }),
  };
}
