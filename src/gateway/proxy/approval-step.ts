import { finished } from 'node:stream';
import { Errors, isRecord } from '../../protocol/index.js';
import { skillInputOf } from '../call-pricing.js';
import { gateAnswerBody, gateTaskJson, isGateTaskId, type GateAnswerShape } from '../approvals/gate-task.js';
import type { ApprovalRecord } from '../approvals/approval-store.js';
import type { ApprovalRule } from '../approvals/approval-rule.js';
import type { ClassifiedRequest } from '../policy/a2a-operation.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * Approval gates (docs/approvals.md, ADR 0037), after every other check of
 * the call and before it takes a concurrency slot or credits of its own:
 * - a new message send that a rule matches is parked: its estimate held,
 *   the call stored, and the caller answered with a task in
 *   `AUTH_REQUIRED` whose status message says why (true: the call is over);
 * - GetTask on a gated task's id is answered from the store while it waits
 *   or once it ended without reaching the agent; once the call was sent,
 *   it reads the agent's task (the call goes on to the agent, for that id).
 * Other calls pass (false). Without rules in force and for ids that are
 * not a gated task's, the step costs a comparison or two.
 */
export function approvalStep(c: GatewayCall, d: ProxyDeps): boolean | Promise<boolean> {
  const gate = d.approvals;
  if (gate === undefined) return false;
  const call = c.call;
  if (call.operation === 'GetTask' && isGateTaskId(call.taskId)) return readGateTask(c, d, call.taskId);
  if (call.operation === 'CancelTask' && isGateTaskId(call.taskId)) return cancelGateTask(c, d, call.taskId);
  if (call.operation === 'SubscribeToTask' && isGateTaskId(call.taskId)) return subscribeGateTask(c, d, call.taskId);
  if ((!gate.active && c.policyApproval === undefined) || (call.operation !== 'SendMessage' && call.operation !== 'SendStreamingMessage')) return false;
  const message = call.message;
  // A follow-up to a task is part of that task: it was gated (or not) when it started.
  if (message === undefined || message['taskId'] !== undefined) return false;
  const principal = c.principal!;
  const terms = c.terms;
  const skill = terms?.skill ?? '';
  // A permit_when_approved policy that held parks the call as an approval rule would (docs/policies.md).
  const rule = c.policyApproval ?? gate.match({ price: (terms?.milliCredits ?? 0) / 1000, input: skillInputOf(message), agent: c.agent, skill, tenant: principal.tenant });
  if (rule === undefined) return false;
  c.audit.detail = { ...c.audit.detail, approvalRule: rule.id };
  // Fail closed: a call that needs an approval and cannot wait for one is refused, never let through.
  const how = call.binding === 'ACP' ? 'over ACP' : c.route!.record.bridge !== undefined ? 'to a bridged ACP agent' : call.binding === 'HTTP+JSON' && call.version === '0.3' ? 'over v0.3 HTTP+JSON' : undefined;
  if (how !== undefined || c.bytes === undefined) {
    c.audit.eventType = 'approval.refused';
    throw Errors.approvalNotParkable({ reason: rule.reason ?? rule.id, how: how ?? 'without a body' });
  }
  return park(c, d, rule, call, message, c.bytes);
}

/** A call a rule matched, parked: its estimate held, the call stored, the caller answered with the gated task. */
async function park(c: GatewayCall, d: ProxyDeps, rule: ApprovalRule, call: ClassifiedRequest, message: Record<string, unknown>, bytes: Buffer): Promise<boolean> {
  const gate = d.approvals!;
  const principal = c.principal!;
  const terms = c.terms;
  const skill = terms?.skill ?? '';
  const messageId = typeof message['messageId'] === 'string' ? message['messageId'] : '';
  const contextId = typeof message['contextId'] === 'string' && message['contextId'] !== '' ? message['contextId'] : undefined;
  let parked: ApprovalRecord;
  try {
    parked = await gate.park({
      rule,
      principal,
      agent: c.agent,
      skill,
      request: { binding: call.binding as 'JSONRPC' | 'HTTP+JSON', version: call.version, streaming: call.streaming, path: call.forwardPath, body: bytes.toString('base64'), ...(call.jsonRpcId !== undefined && { jsonRpcId: call.jsonRpcId }) },
      messageId,
      contextId,
      milliCredits: terms?.milliCredits ?? 0,
    });
  } catch (err) {
    c.audit.eventType = 'credits.insufficient';
    throw err;
  }
  c.audit.eventType = 'approval.requested';
  c.audit.taskId = parked.id;
  c.audit.milliCredits = parked.milliCredits;
  c.audit.detail = { ...c.audit.detail, approval: parked.id, reason: parked.reason };
  await answer(c, gateTaskJson(parked, call.version), { binding: call.binding as 'JSONRPC' | 'HTTP+JSON', version: call.version, send: true, streaming: call.streaming, jsonRpcId: call.jsonRpcId });
  return true;
}

/**
 * The gated task `id` as the caller may see it (its tenant's, for this
 * agent, over a binding that can carry it), with that binding; else the
 * task is not found.
 */
async function gatedTaskOf(c: GatewayCall, d: ProxyDeps, id: string): Promise<{ a: ApprovalRecord; binding: 'JSONRPC' | 'HTTP+JSON' }> {
  const a = await d.approvals!.get(id, c.principal!.tenant);
  const binding = c.call.binding;
  if (a === undefined || a.agent !== c.agent || binding === 'ACP') throw Errors.taskNotFound({ taskId: id.slice(0, 100) });
  return { a, binding };
}

/** GetTask on a gated task: from the store, or (once sent) the agent's task, read from the agent. */
async function readGateTask(c: GatewayCall, d: ProxyDeps, id: string): Promise<boolean> {
  const call = c.call;
  const { a, binding } = await gatedTaskOf(c, d, id);
  // The call reached the agent: its task answers from now on (docs/approvals.md, "What the caller sees").
  if (a.state === 'approved' && a.taskId !== undefined) return followAgentTask(c, id, a.taskId);
  c.audit.taskId = id;
  await answer(c, gateTaskJson(a, call.version), { binding, version: call.version, send: false, streaming: false, jsonRpcId: call.jsonRpcId });
  return true;
}

/**
 * CancelTask on a gated task: a pending call ends CANCELED (its hold
 * refunded, audited, gone from the approvers' inbox); once sent, the cancel
 * goes on to the agent's task, as GetTask does; a call already denied,
 * expired, canceled or being sent can no longer be canceled (A2A
 * TaskNotCancelableError).
 */
async function cancelGateTask(c: GatewayCall, d: ProxyDeps, id: string): Promise<boolean> {
  const call = c.call;
  const principal = c.principal!;
  const { a: seen, binding } = await gatedTaskOf(c, d, id);
  if (seen.state === 'approved' && seen.taskId !== undefined) return followAgentTask(c, id, seen.taskId);
  const a = await d.approvals!.cancel(id, principal);
  if (a === undefined) throw Errors.taskNotFound({ taskId: id.slice(0, 100) });
  if (a.state === 'approved' && a.taskId !== undefined) return followAgentTask(c, id, a.taskId);
  c.audit.taskId = id;
  // Canceled by this call (or by a cancel racing it): the task is CANCELED; anything else won first.
  if (a.state !== 'canceled' || seen.state !== 'pending') {
    throw Errors.taskNotCancelable({ taskId: id, state: gateTaskState(a, call.version) });
  }
  c.audit.eventType = 'approval.canceled';
  c.audit.detail = { ...c.audit.detail, approval: id };
  await answer(c, gateTaskJson(a, call.version), { binding, version: call.version, send: false, streaming: false, jsonRpcId: call.jsonRpcId });
  return true;
}

/**
 * SubscribeToTask on a gated task: once its call reached the agent, the
 * agent's task is subscribed to (as GetTask reads it); before that there is
 * no stream to follow (the gateway holds the task, not the agent), and the
 * caller is told to read it with GetTask, never sent to the agent under an
 * id the agent does not know.
 */
async function subscribeGateTask(c: GatewayCall, d: ProxyDeps, id: string): Promise<boolean> {
  const call = c.call;
  const { a } = await gatedTaskOf(c, d, id);
  if (a.state === 'approved' && a.taskId !== undefined) return followAgentTask(c, id, a.taskId);
  c.audit.taskId = id;
  throw Errors.taskNothingToSubscribe({ taskId: id, state: gateTaskState(a, call.version) });
}

/** The call reached the agent: the request goes on to the agent's task instead of the gated id. */
function followAgentTask(c: GatewayCall, id: string, taskId: string): false {
  const call = c.call;
  call.forwardPath = call.forwardPath.replace(encodeURIComponent(id), encodeURIComponent(taskId));
  if (call.binding === 'JSONRPC' && isRecord(c.body) && isRecord(c.body['params'])) c.bytes = Buffer.from(JSON.stringify({ ...c.body, params: { ...c.body['params'], id: taskId } }));
  return false;
}

/** The A2A state name a gated task is in, as the caller's version writes it. */
function gateTaskState(a: ApprovalRecord, version: '0.3' | '1.0'): string {
  const status = gateTaskJson(a, version)['status'] as { state: string };
  return status.state;
}

async function answer(c: GatewayCall, task: Record<string, unknown>, shape: GateAnswerShape): Promise<void> {
  const { contentType, body } = gateAnswerBody(task, shape);
  const over = new Promise<void>((resolve) => finished(c.reply.raw, () => resolve()));
  c.reply.code(200).header('content-type', contentType);
  if (shape.streaming) c.reply.header('cache-control', 'no-cache');
  c.reply.send(body);
  await over;
}
