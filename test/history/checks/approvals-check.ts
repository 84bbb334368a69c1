import type { z } from 'zod';
import { approvalsSchema, callSchema, decideSchema, F } from '../history-format.js';
import type { Operation } from '../history-ops.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';

type Approval = z.infer<typeof approvalsSchema>['approvals'][number];

/** A send's error that says the agent could not take the call at all (the gateway sends such a call again). */
const NOT_TAKEN = /AM_ERR_STORAGE_UNAVAILABLE|AM_ERR_HTTP_UNAVAILABLE/;

/** The states of a parked call that let it reach its agent: approved and being sent, or approved. */
const SENT = new Set<string>(['forwarding', 'approved']);

/** Final states in which a parked call was never sent to its agent. */
const NOT_SENT = new Set<Approval['state']>(['denied', 'expired', 'canceled']);

/**
 * Property 6 (test/history/README.md, "Approvals"): a call parked at a gateway for a person's
 * approval takes effect only once approved, and then once. Read against the final read of the
 * gateways' parked calls and the gated agent's own ledger of effects:
 * - no effect of a call whose parked call was denied, expired or canceled, or of a call never parked;
 * - no effect before its approval: the agent records the parked call's state as it takes effect;
 * - one parked call per call: a send retried under its message id (the same message) finds the call
 *   it parked, never parks another beside it (which a second approval could send again);
 * - at most one effect per call: one message id and one task (an approved call sent again, by a
 *   sweep after a gateway died mid-send, comes under the same message id, which the runtime answers
 *   with the task it started; a task taken over after a kill is the same task);
 * - an approved call whose agent's task completed, or whose client saw it complete, has its effect;
 * - an acknowledged decision stands: an approval answered `ok` ends approved, a denial denied, and
 *   no call is decided twice;
 * - what the client saw agrees: a completed call was approved, a rejected one was not sent;
 * - an approved call is not used up by an answer saying the agent could not take it now;
 * - nothing is left parked or half-sent after the final read phase decided every call.
 */
export function checkApprovals(operations: readonly Operation[]): PropertyResult {
  const anomalies: Anomaly[] = [];
  let final: { value: z.infer<typeof approvalsSchema>; at: number } | undefined;
  for (const operation of operations) {
    if (operation.f !== F.approvals || operation.type !== 'ok') continue;
    const parsed = approvalsSchema.safeParse(operation.value);
    if (parsed.success) final = { value: parsed.data, at: operation.completion!.index };
    else anomalies.push({ kind: 'malformed', ops: [operation.completion!.index], explanation: 'an approvals value is not of its shape' });
  }
  const decisions = operations.filter((operation) => operation.f === F.decide);
  if (final === undefined) {
    const notes = decisions.length > 0 ? ['no final read of the parked calls: decisions were not checked'] : [];
    return result('approvals', 'Approved calls take effect once, denied ones never', `${decisions.length} decisions, no parked calls read`, anomalies, notes);
  }
  const at = final.at;
  const byId = new Map<string, Approval>();
  const byCall = new Map<string, Approval[]>();
  for (const approval of final.value.approvals) {
    byId.set(approval.approvalId, approval);
    byCall.set(approval.callId, [...(byCall.get(approval.callId) ?? []), approval]);
  }
  for (const [callId, parked] of byCall) {
    // A retried send after its call was canceled parks anew (docs/approvals.md): every parked call but the last canceled.
    if (parked.length > 1 && !parked.slice(0, -1).every((a) => a.state === 'canceled')) {
      anomalies.push({ kind: 'parked-twice', key: callId, ops: [at], explanation: `call ${callId} was parked ${parked.length} times (${parked.map((a) => `${a.approvalId} ${a.state}`).join(', ')}): a send retried under its message id parked another call instead of finding its own` });
    }
  }
  for (const { callId, approvalState } of final.value.effects) {
    // A call that ended unapproved is `effect-of-unapproved` already: this flags the one approved after it ran.
    const approvedInTheEnd = byCall.get(callId)?.some((a) => SENT.has(a.state)) ?? false;
    if (approvalState !== undefined && !SENT.has(approvalState) && approvedInTheEnd) {
      anomalies.push({ kind: 'effect-before-approval', key: callId, ops: [at], explanation: `call ${callId} took effect while its parked call was ${approvalState === 'none' ? 'not there' : approvalState}` });
    }
  }
  // call → the effects it took, each named by the message id it came under and the task that ran it.
  const effects = new Map<string, Set<string>>();
  for (const { callId, messageId, taskId } of final.value.effects) effects.set(callId, (effects.get(callId) ?? new Set()).add(`message ${messageId}${taskId === undefined ? '' : ` task ${taskId}`}`));

  for (const [callId, applied] of effects) {
    const parked = byCall.get(callId) ?? [];
    if (applied.size > 1) anomalies.push({ kind: 'effect-twice', key: callId, ops: [at], explanation: `call ${callId} took effect ${applied.size} times: ${[...applied].join('; ')}` });
    if (!parked.some((a) => a.state === 'approved' || a.state === 'forwarding')) {
      const states = parked.length === 0 ? 'was never parked' : `was ${parked.map((a) => a.state).join(', ')}`;
      anomalies.push({ kind: 'effect-of-unapproved', key: callId, ops: [at], explanation: `call ${callId} took effect but ${states}` });
    }
  }
  const missing = new Set<string>();
  for (const approval of final.value.approvals) {
    if (approval.state === 'approved' && approval.taskState === 'TASK_STATE_COMPLETED' && !effects.has(approval.callId)) {
      missing.add(approval.callId);
      anomalies.push({ kind: 'effect-missing', key: approval.approvalId, ops: [at], explanation: `approved call ${approval.callId} completed at its agent but took no effect` });
    }
    // An answer that says the agent could not take the call is sent again (docs/approvals.md, "States"): ending on one, the decision was lost.
    if (approval.state === 'approved' && approval.error !== undefined && NOT_TAKEN.test(approval.error)) {
      anomalies.push({ kind: 'approved-not-run', key: approval.approvalId, ops: [at], explanation: `approved call ${approval.callId} was used up by an answer that it could not be taken now: ${approval.error}` });
    }
    if (approval.state === 'pending' || approval.state === 'forwarding') {
      anomalies.push({ kind: 'approval-stuck', key: approval.approvalId, ops: [at], explanation: `call ${approval.callId} is still ${approval.state} after the final read phase decided every call` });
    }
  }
  let approvedOk = 0;
  let deniedOk = 0;
  const decidedOk = new Map<string, number[]>();
  for (const operation of decisions) {
    if (operation.type !== 'ok') continue;
    const parsed = decideSchema.safeParse(operation.invoke.value);
    if (!parsed.success) {
      anomalies.push({ kind: 'malformed', ops: [operation.invoke.index], explanation: 'a decide invocation names no approval and decision' });
      continue;
    }
    const { approvalId, decision } = parsed.data;
    const approval = byId.get(approvalId);
    const ops = [operation.invoke.index, operation.completion!.index, at];
    if (decision === 'approve') approvedOk += 1;
    else deniedOk += 1;
    const earlier = decidedOk.get(approvalId);
    if (earlier !== undefined) anomalies.push({ kind: 'decided-twice', key: approvalId, ops: [...earlier, ...ops], explanation: `${approvalId} was decided twice, each decision acknowledged` });
    decidedOk.set(approvalId, ops.slice(0, 2));
    if (approval === undefined) anomalies.push({ kind: 'decision-lost', key: approvalId, ops, explanation: `the ${decision} of ${approvalId} was acknowledged, yet the call is gone` });
    else if (decision === 'approve' && NOT_SENT.has(approval.state)) anomalies.push({ kind: 'decision-lost', key: approvalId, ops, explanation: `the approval of ${approvalId} was acknowledged, yet the call ended ${approval.state}` });
    else if (decision === 'deny' && approval.state !== 'denied') anomalies.push({ kind: 'decision-lost', key: approvalId, ops, explanation: `the denial of ${approvalId} was acknowledged, yet the call ended ${approval.state}` });
  }
  let clientCalls = 0;
  for (const operation of operations) {
    if (operation.f !== F.call || operation.type === 'info') continue;
    const parsed = callSchema.safeParse(operation.invoke.value);
    const parked = parsed.success ? byCall.get(parsed.data.callId) : undefined;
    if (parked === undefined) continue;
    clientCalls += 1;
    const callId = parsed.data!.callId;
    const ops = [operation.invoke.index, operation.completion!.index, at];
    const state = stateOf(operation.value);
    if (operation.type === 'ok') {
      if (!parked.some((a) => a.state === 'approved')) anomalies.push({ kind: 'completed-unapproved', key: callId, ops, explanation: `the client saw call ${callId} complete, yet it ended ${parked.map((a) => a.state).join(', ')}` });
      if (!effects.has(callId) && !missing.has(callId)) anomalies.push({ kind: 'effect-missing', key: callId, ops, explanation: `the client saw call ${callId} complete, yet it took no effect` });
    } else if (state === 'TASK_STATE_REJECTED' && parked.every((a) => a.state === 'approved' && a.taskState !== 'TASK_STATE_REJECTED')) {
      anomalies.push({ kind: 'rejected-approved', key: callId, ops, explanation: `the client saw call ${callId} rejected, yet it was approved and sent` });
    }
  }
  const count = (state: Approval['state']): number => final.value.approvals.filter((a) => a.state === state).length;
  const failedSends = final.value.approvals.filter((a) => a.state === 'approved' && a.error !== undefined).length;
  const others = (['expired', 'canceled', 'pending', 'forwarding'] as const).flatMap((state) => (count(state) > 0 ? [`${count(state)} ${state}`] : []));
  const summary = `${final.value.approvals.length} parked calls (${count('approved')} approved, ${count('denied')} denied${others.map((o) => `, ${o}`).join('')}; ${failedSends} approved calls the agent answered with an error), ${decisions.length} decisions (${approvedOk} approvals and ${deniedOk} denials acknowledged), ${clientCalls} calls seen ending by their clients, ${final.value.effects.length} effects`;
  return result('approvals', 'Approved calls take effect once, denied ones never', summary, anomalies);
}

function stateOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('state' in value)) return undefined;
  return typeof value.state === 'string' ? value.state : undefined;
}
