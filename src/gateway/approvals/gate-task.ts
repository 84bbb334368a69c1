import { APPROVAL_METADATA_KEY, APPROVAL_TASK_PREFIX } from '../../contracts/approvals/index.js';
import type { ApprovalRecord } from './approval-store.js';

/** The metadata key of a gated task (ADR 0037); declared with the approvals API, which the CLI reads too. */
export { APPROVAL_METADATA_KEY };

/** The prefix of a gated task's id: GetTask on such an id is answered by the gateway, no other call looks at the store. */
export const GATE_TASK_PREFIX = APPROVAL_TASK_PREFIX;

export const isGateTaskId = (taskId: string | undefined): taskId is string => taskId !== undefined && taskId.startsWith(GATE_TASK_PREFIX);

/** The A2A state of a parked call, by its approval state (docs/approvals.md, "What the caller sees"). */
function stateOf(a: ApprovalRecord): { v1: string; v03: string; text: string } {
  switch (a.state) {
    case 'pending':
      return { v1: 'TASK_STATE_AUTH_REQUIRED', v03: 'auth-required', text: `Waiting for approval: ${a.reason}` };
    case 'forwarding':
      return { v1: 'TASK_STATE_WORKING', v03: 'working', text: `Approved by ${a.decidedBy ?? 'an approver'}; the call is being sent to ${a.agent}` };
    case 'denied':
      return { v1: 'TASK_STATE_REJECTED', v03: 'rejected', text: `Denied by ${a.decidedBy ?? 'an approver'}${a.decisionReason ? `: ${a.decisionReason}` : ''}` };
    case 'canceled':
      return { v1: 'TASK_STATE_CANCELED', v03: 'canceled', text: `Canceled by ${a.decidedBy ?? 'the caller'} before anyone decided` };
    case 'expired':
      return { v1: 'TASK_STATE_REJECTED', v03: 'rejected', text: `No approval came before ${new Date(a.expiresAt).toISOString()}: ${a.reason}` };
    default:
      // Approved, and the agent answered without a task (or not at all): the call failed there.
      return { v1: 'TASK_STATE_FAILED', v03: 'failed', text: `Approved by ${a.decidedBy ?? 'an approver'}, but ${a.agent} did not start a task: ${a.outcome?.error ?? `HTTP ${a.outcome?.status ?? '?'}`}` };
  }
}

/** What a gated task's metadata says of its approval: enough for a client (or an orchestrator) to tell whom it waits for. */
export function approvalMetadata(a: ApprovalRecord): Record<string, unknown> {
  return {
    id: a.id,
    state: a.state,
    reason: a.reason,
    rule: a.ruleId,
    approverScope: a.approverScope,
    expiresAt: new Date(a.expiresAt).toISOString(),
    ...(a.decidedBy !== undefined && { decidedBy: a.decidedBy }),
    ...(a.decisionReason !== undefined && { decisionReason: a.decisionReason }),
    ...(a.taskId !== undefined && { taskId: a.taskId }),
  };
}

/**
 * The gated task as the caller's protocol version writes it: A2A 1.0 JSON
 * (enum names, `ROLE_AGENT`) or v0.3 JSON (`kind`, lower-case states).
 */
export function gateTaskJson(a: ApprovalRecord, version: '0.3' | '1.0', now = Date.now()): Record<string, unknown> {
  const s = stateOf(a);
  const timestamp = new Date(a.decidedAt ?? (a.state === 'expired' ? a.expiresAt : now)).toISOString();
  const metadata = { [APPROVAL_METADATA_KEY]: approvalMetadata(a) };
  const messageId = `${a.id}-${a.state}`;
  if (version === '1.0') {
    return {
      id: a.id,
      contextId: a.contextId,
      status: { state: s.v1, message: { messageId, role: 'ROLE_AGENT', taskId: a.id, contextId: a.contextId, parts: [{ text: s.text }] }, timestamp },
      metadata,
    };
  }
  return {
    kind: 'task',
    id: a.id,
    contextId: a.contextId,
    status: { state: s.v03, message: { kind: 'message', messageId, role: 'agent', taskId: a.id, contextId: a.contextId, parts: [{ kind: 'text', text: s.text }] }, timestamp },
    metadata,
  };
}

/** How a gated task answers: which call asked, in which binding and version. */
export interface GateAnswerShape {
  binding: 'JSONRPC' | 'HTTP+JSON';
  version: '0.3' | '1.0';
  /** A message send (1.0 wraps the task as `{ task }`), or GetTask (the task itself). */
  send: boolean;
  streaming: boolean;
  jsonRpcId?: string | number | null;
}

/** The body of the answer: JSON, or one SSE event for a stream (the task, then the stream ends: A2A §3.1.2 allows a task in an interrupted state to end it). */
export function gateAnswerBody(task: Record<string, unknown>, shape: GateAnswerShape): { contentType: string; body: string } {
  const result = shape.send && shape.version === '1.0' ? { task } : task;
  const payload = shape.binding === 'JSONRPC' ? { jsonrpc: '2.0', id: shape.jsonRpcId ?? null, result } : result;
  const json = JSON.stringify(payload);
  return shape.streaming ? { contentType: 'text/event-stream', body: `data: ${json}\n\n` } : { contentType: 'application/json', body: json };
}
