import { F, pushConfigSchema, pushSchema } from '../history-format.js';
import type { Operation } from '../history-ops.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';
import type { TaskLog } from './task-events-check.js';

/**
 * Property 3 (test/history/README.md, "Push deliveries"): pushes as a total queue. Every event of a
 * task with an acknowledged push config (after the config's `fromSeq`, internal `history` entries
 * aside: the delivery worker skips them) reaches the receiver at least once; a duplicate carries the
 * same bytes; nothing arrives that the task's log does not hold; and per task, first deliveries come
 * in seq order.
 */
export function checkPush(operations: readonly Operation[], logs: Map<string, TaskLog>): PropertyResult {
  const anomalies: Anomaly[] = [];
  const notes: string[] = [];
  const configs = new Map<string, { fromSeq: number; at: number }>();
  const firsts = new Map<string, Map<number, { hash: string; at: number; copies: number }>>();
  let deliveries = 0;
  let duplicates = 0;
  for (const operation of operations) {
    if (operation.type !== 'ok') continue;
    if (operation.f === F.pushConfig) {
      const parsed = pushConfigSchema.safeParse(operation.value);
      if (!parsed.success) anomalies.push(malformed(operation));
      else configs.set(parsed.data.taskId, { fromSeq: Math.min(parsed.data.fromSeq, configs.get(parsed.data.taskId)?.fromSeq ?? Number.POSITIVE_INFINITY), at: operation.completion!.index });
      continue;
    }
    if (operation.f !== F.push) continue;
    const parsed = pushSchema.safeParse(operation.value);
    if (!parsed.success) {
      anomalies.push(malformed(operation));
      continue;
    }
    deliveries += 1;
    const { taskId, seq, hash } = parsed.data;
    const at = operation.completion!.index;
    let bySeq = firsts.get(taskId);
    if (bySeq === undefined) firsts.set(taskId, (bySeq = new Map()));
    const first = bySeq.get(seq);
    if (first === undefined) {
      const later = [...bySeq.entries()].filter(([s]) => s > seq);
      if (later.length > 0) anomalies.push({ kind: 'push-out-of-order', key: taskId, ops: [later[0]![1].at, at], explanation: `seq ${seq} first arrived after seq ${later.map(([s]) => s).join(', ')}` });
      bySeq.set(seq, { hash, at, copies: 1 });
      continue;
    }
    first.copies += 1;
    duplicates += 1;
    if (first.hash !== hash) anomalies.push({ kind: 'push-duplicate-differs', key: taskId, ops: [first.at, at], explanation: `seq ${seq} was delivered twice with different bytes` });
  }
  let unchecked = 0;
  for (const [taskId, bySeq] of firsts) {
    const log = logs.get(taskId)?.log;
    if (log === undefined) continue;
    const inLog = new Map((log.answer?.events ?? []).map((e) => [e.seq, e] as const));
    for (const [seq, first] of bySeq) {
      const event = inLog.get(seq);
      if (event === undefined || event.kind === 'history') anomalies.push({ kind: 'push-phantom', key: taskId, ops: [first.at, log.operation.completion!.index], explanation: `seq ${seq} was pushed but the task's log ${event === undefined ? 'has no such event' : 'holds it as an internal entry'}` });
    }
  }
  for (const [taskId, config] of configs) {
    const log = logs.get(taskId)?.log;
    if (log === undefined) {
      unchecked += 1;
      continue;
    }
    const got = firsts.get(taskId) ?? new Map<number, unknown>();
    const lost = (log.answer?.events ?? []).filter((e) => e.seq > config.fromSeq && e.kind !== 'history' && !got.has(e.seq)).map((e) => e.seq);
    if (lost.length > 0) anomalies.push({ kind: 'push-lost', key: taskId, ops: [config.at, log.operation.completion!.index], explanation: `seq ${lost.join(', ')} of the task's log never reached the receiver` });
  }
  if (unchecked > 0) notes.push(`${unchecked} task(s) with a push config but no final log read: losses not checked`);
  if (duplicates > 0) notes.push(`${duplicates} duplicate deliveries (at least once is allowed)`);
  return result('push', 'Push deliveries form a total queue', `${configs.size} tasks with push configs, ${deliveries} deliveries`, anomalies, notes);
}

function malformed(operation: Operation): Anomaly {
  return { kind: 'malformed', ops: [operation.completion!.index], explanation: `the ${operation.f} value is not of its shape` };
}
