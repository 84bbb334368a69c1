import { callSchema, creditsSchema, F } from '../history-format.js';
import type { Operation } from '../history-ops.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';

/**
 * Property 5 (test/history/README.md, "Credits"): in each tenant's final ledger, every call is charged
 * at most once across replicas and kills; a call answered `fail` (it had no effect) is not charged, or
 * its charge is refunded; every refund matches a call that failed or whose outcome is unknown, once,
 * for no more than its charge; no charge names a call nobody made; and the balance equals the ledger.
 */
export function checkCredits(operations: readonly Operation[]): PropertyResult {
  const anomalies: Anomaly[] = [];
  const notes: string[] = [];
  const calls = new Map<string, Operation>();
  const ledgers = new Map<string, Operation>();
  for (const operation of operations) {
    if (operation.f === F.call) {
      const parsed = callSchema.safeParse(operation.invoke.value);
      if (parsed.success) calls.set(parsed.data.callId, operation);
      else anomalies.push({ kind: 'malformed', ops: [operation.invoke.index], explanation: 'a call invocation names no callId' });
    } else if (operation.f === F.credits && operation.type === 'ok' && operation.key !== null) {
      ledgers.set(operation.key, operation);
    }
  }
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
    let sum = 0;
    for (const entry of entries) {
      sum += entry.kind === 'charge' ? -entry.amount : entry.amount;
      if (entry.kind === 'grant' || entry.callId === undefined) continue;
      const into = entry.kind === 'charge' ? charges : refunds;
      into.set(entry.callId, [...(into.get(entry.callId) ?? []), entry.amount]);
    }
    const ops = (callId: string): number[] => {
      const call = calls.get(callId);
      return call === undefined ? [at] : [call.invoke.index, ...(call.completion === undefined ? [] : [call.completion.index]), at];
    };
    for (const [callId, amounts] of charges) {
      const call = calls.get(callId);
      if (amounts.length > 1) anomalies.push({ kind: 'double-charge', key: tenant, ops: ops(callId), explanation: `call ${callId} was charged ${amounts.length} times (${amounts.join(', ')})` });
      if (call === undefined) anomalies.push({ kind: 'unknown-charge', key: tenant, ops: [at], explanation: `call ${callId} was charged but no client made it` });
      else if (call.type === 'fail' && (refunds.get(callId)?.length ?? 0) === 0) anomalies.push({ kind: 'charged-for-failure', key: tenant, ops: ops(callId), explanation: `call ${callId} answered fail (no effect) yet was charged and not refunded` });
    }
    for (const [callId, amounts] of refunds) {
      const call = calls.get(callId);
      const charged = charges.get(callId) ?? [];
      if (charged.length === 0) anomalies.push({ kind: 'refund-without-charge', key: tenant, ops: ops(callId), explanation: `call ${callId} was refunded but never charged` });
      else if (amounts.reduce((a, b) => a + b, 0) > charged.reduce((a, b) => a + b, 0)) anomalies.push({ kind: 'refund-exceeds-charge', key: tenant, ops: ops(callId), explanation: `call ${callId} was refunded ${amounts.join(' + ')} for a charge of ${charged.join(' + ')}` });
      if (amounts.length > 1) anomalies.push({ kind: 'double-refund', key: tenant, ops: ops(callId), explanation: `call ${callId} was refunded ${amounts.length} times` });
      if (call?.type === 'ok') anomalies.push({ kind: 'refund-of-success', key: tenant, ops: ops(callId), explanation: `call ${callId} answered ok yet was refunded: a refund matches a failure` });
    }
    if (Math.abs(sum - balance) > 1e-9) anomalies.push({ kind: 'balance-mismatch', key: tenant, ops: [at], explanation: `the balance is ${balance} but the ledger sums to ${sum}` });
  }
  if (calls.size > 0 && ledgers.size === 0) notes.push('no final credits read: charges were not checked');
  return result('credits', 'Credits are charged at most once and balance', `${calls.size} calls, ${ledgers.size} tenant ledgers`, anomalies, notes);
}
