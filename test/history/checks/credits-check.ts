import { callSchema, creditsSchema, F } from '../history-format.js';
import type { Operation } from '../history-ops.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';

/**
 * A call's attempts under one message id, folded: a client that was told nothing (`info`) may send
 * the same message again, and the gateway holds a repeat under a key of its own attempt, released
 * when the answer names a task already charged. The call succeeded if any attempt was answered `ok`,
 * had no effect only if every attempt was answered `fail`, and is unknown otherwise.
 */
interface Call {
  type: 'ok' | 'fail' | 'info';
  attempts: Operation[];
}

function foldCalls(operations: readonly Operation[], anomalies: Anomaly[]): Map<string, Call> {
  const calls = new Map<string, Call>();
  for (const operation of operations) {
    if (operation.f !== F.call) continue;
    const parsed = callSchema.safeParse(operation.invoke.value);
    if (!parsed.success) {
      anomalies.push({ kind: 'malformed', ops: [operation.invoke.index], explanation: 'a call invocation names no callId' });
      continue;
    }
    const call = calls.get(parsed.data.callId);
    if (call === undefined) calls.set(parsed.data.callId, { type: operation.type, attempts: [operation] });
    else {
      call.attempts.push(operation);
      if (operation.type === 'ok' || call.type === 'ok') call.type = 'ok';
      else if (operation.type === 'info' || call.type === 'info') call.type = 'info';
    }
  }
  return calls;
}

const sum = (amounts: readonly number[]): number => amounts.reduce((a, b) => a + b, 0);

/**
 * Property 5 (test/history/README.md, "Credits"): in each tenant's final ledger, every call is charged
 * at most once across replicas and kills; a call answered `fail` (it had no effect) is not charged, or
 * its charge is refunded; every refund matches a charge of a call that failed or whose outcome is
 * unknown, or a repeat's hold released; no charge names a call nobody made; and the balance equals the
 * ledger. A call's attempts are folded first (`foldCalls`): its charges and refunds are weighed
 * together, so a repeat's released hold (a charge and its refund) nets to nothing.
 */
export function checkCredits(operations: readonly Operation[]): PropertyResult {
  const anomalies: Anomaly[] = [];
  const notes: string[] = [];
  const calls = foldCalls(operations, anomalies);
  const ledgers = new Map<string, Operation>();
  for (const operation of operations) {
    if (operation.f === F.credits && operation.type === 'ok' && operation.key !== null) ledgers.set(operation.key, operation);
  }
  let repeated = 0;
  for (const call of calls.values()) if (call.attempts.length > 1) repeated += 1;
  for (const [tenant, operation] of ledgers) {
    const at = operation.completion!.index;
    const parsed = creditsSchema.safeParse(operation.value);
    if (!parsed.success) {
      anomalies.push({ kind: 'malformed', ops: [at], explanation: 'a credits value is not of its shape' });
      continue;
    }
    const { balance, entries } = parsed.data;
    const charges = new Map<string, number[]>();
    const refunds = new Map<string, number[]>();
    let total = 0;
    for (const entry of entries) {
      total += entry.kind === 'charge' ? -entry.amount : entry.amount;
      if (entry.kind === 'grant' || entry.callId === undefined) continue;
      const into = entry.kind === 'charge' ? charges : refunds;
      into.set(entry.callId, [...(into.get(entry.callId) ?? []), entry.amount]);
    }
    const ops = (callId: string): number[] => {
      const attempts = calls.get(callId)?.attempts ?? [];
      return [...attempts.flatMap((a) => [a.invoke.index, ...(a.completion === undefined ? [] : [a.completion.index])]), at];
    };
    for (const [callId, amounts] of charges) {
      const call = calls.get(callId);
      // Charges a refund did not take back: one at most, and none for a call that had no effect.
      const standing = amounts.length - (refunds.get(callId)?.length ?? 0);
      if (standing > 1) anomalies.push({ kind: 'double-charge', key: tenant, ops: ops(callId), explanation: `call ${callId} was charged ${amounts.length} times (${amounts.join(', ')}), ${standing} of them standing` });
      if (call === undefined) anomalies.push({ kind: 'unknown-charge', key: tenant, ops: [at], explanation: `call ${callId} was charged but no client made it` });
      else if (call.type === 'fail' && standing > 0) anomalies.push({ kind: 'charged-for-failure', key: tenant, ops: ops(callId), explanation: `call ${callId} answered fail (no effect)${call.attempts.length > 1 ? ` in each of its ${call.attempts.length} attempts` : ''} yet was charged and not refunded` });
    }
    for (const [callId, amounts] of refunds) {
      const call = calls.get(callId);
      const charged = charges.get(callId) ?? [];
      if (charged.length === 0) anomalies.push({ kind: 'refund-without-charge', key: tenant, ops: ops(callId), explanation: `call ${callId} was refunded but never charged` });
      else if (sum(amounts) > sum(charged)) anomalies.push({ kind: 'refund-exceeds-charge', key: tenant, ops: ops(callId), explanation: `call ${callId} was refunded ${amounts.join(' + ')} for a charge of ${charged.join(' + ')}` });
      if (charged.length > 0 && amounts.length > charged.length) anomalies.push({ kind: 'double-refund', key: tenant, ops: ops(callId), explanation: `call ${callId} was refunded ${amounts.length} times for ${charged.length} charge(s)` });
      // A success keeps one charge: a refund may release a repeat's hold, never the charge itself.
      if (call?.type === 'ok' && amounts.length >= charged.length && charged.length > 0) anomalies.push({ kind: 'refund-of-success', key: tenant, ops: ops(callId), explanation: `call ${callId} answered ok yet every charge of it was refunded: a refund matches a failure` });
    }
    if (Math.abs(total - balance) > 1e-9) anomalies.push({ kind: 'balance-mismatch', key: tenant, ops: [at], explanation: `the balance is ${balance} but the ledger sums to ${total}` });
  }
  if (calls.size > 0 && ledgers.size === 0) notes.push('no final credits read: charges were not checked');
  return result('credits', 'Credits are charged at most once and balance', `${calls.size} calls (${repeated} repeated under their message id), ${ledgers.size} tenant ledgers`, anomalies, notes);
}
