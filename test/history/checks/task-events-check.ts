import { F, type TaskEvent } from '../history-format.js';
import { isTerminalState } from '../linearizability/task-state-model.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';
import type { TaskOperation, TaskOperations } from './task-ops.js';

/** A task's one list of events, as every read of it saw it: seq → the event and the first operation that saw it. */
export interface TaskLog {
  events: Map<number, { event: TaskEvent; at: number }>;
  /** The final read of the whole log, when the run made one. */
  log: TaskOperation | undefined;
}

/** Builds each task's list from every read of its events, and reports where reads disagree on one seq. */
export function taskLogs(tasks: TaskOperations, anomalies: Anomaly[]): Map<string, TaskLog> {
  const logs = new Map<string, TaskLog>();
  for (const [taskId, ops] of tasks.byTask) {
    const log: TaskLog = { events: new Map(), log: undefined };
    for (const op of ops) {
      if (op.operation.f === F.log && op.operation.type === 'ok') log.log = op;
      for (const event of op.answer?.events ?? []) {
        const at = op.operation.completion!.index;
        const seen = log.events.get(event.seq);
        if (seen === undefined) log.events.set(event.seq, { event, at });
        else if (seen.event.hash !== event.hash) anomalies.push({ kind: 'two-lists', key: taskId, ops: [seen.at, at], explanation: `seq ${event.seq} has different bytes in two reads: the task's events are not one list` });
      }
    }
    logs.set(taskId, log);
  }
  return logs;
}

/**
 * Property 2 (test/history/README.md, "Task events"): each task's events form one list. Every read
 * (a subscription, resumed or not, a streaming send) holds a contiguous segment of it, after the
 * position it resumed from, with seqs strictly increasing; nothing follows the terminal event; and
 * once healed, the final read of the log holds every seq from 1 with no gap, every event any stream
 * saw, and the version every acknowledged operation answered with. Internal `history` entries are
 * in the log but never streamed (src/runtime/task-subscription.ts), so streams skip them.
 */
export function checkTaskEvents(tasks: TaskOperations, logs: Map<string, TaskLog>, anomalies: Anomaly[]): PropertyResult {
  const notes: string[] = [];
  let reads = 0;
  let withoutLog = 0;
  for (const [taskId, ops] of tasks.byTask) {
    const log = logs.get(taskId)!;
    const seqs = [...log.events.keys()].sort((a, b) => a - b);
    const visible = seqs.filter((seq) => log.events.get(seq)!.event.kind !== 'history');
    for (const op of ops) {
      const events = op.answer?.events;
      if (events === undefined || op.operation.f === F.log) continue;
      reads += 1;
      anomalies.push(...readAnomalies(taskId, op, events, visible, log));
    }
    // Nothing follows the terminal event.
    const terminal = seqs.find((seq) => isTerminal(log.events.get(seq)!.event));
    if (terminal !== undefined) {
      const after = seqs.filter((seq) => seq > terminal);
      if (after.length > 0) anomalies.push({ kind: 'event-after-terminal', key: taskId, ops: [log.events.get(terminal)!.at, ...after.map((seq) => log.events.get(seq)!.at)], explanation: `seq ${after.join(', ')} follow(s) the terminal event at seq ${terminal}` });
    }
    if (log.log === undefined) {
      withoutLog += 1;
      continue;
    }
    anomalies.push(...logAnomalies(taskId, log.log, ops, log));
  }
  if (withoutLog > 0) notes.push(`${withoutLog} task(s) without a final log read: their gaps between reads and their acknowledged events were not checked`);
  return result('task-events', "Each task's events form one list", `${tasks.byTask.size} tasks, ${reads} event reads`, anomalies, notes);
}

function readAnomalies(taskId: string, op: TaskOperation, events: TaskEvent[], visible: number[], log: TaskLog): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const at = op.operation.completion!.index;
  for (let i = 1; i < events.length; i += 1) {
    if (events[i]!.seq <= events[i - 1]!.seq) anomalies.push({ kind: events[i]!.seq === events[i - 1]!.seq ? 'duplicate-event' : 'events-out-of-order', key: taskId, ops: [at], explanation: `seq ${events[i]!.seq} came after seq ${events[i - 1]!.seq} in one stream` });
  }
  const terminalAt = events.findIndex(isTerminal);
  if (terminalAt >= 0 && terminalAt < events.length - 1) anomalies.push({ kind: 'event-after-terminal', key: taskId, ops: [at], explanation: `the stream went on after its terminal event at seq ${events[terminalAt]!.seq}` });
  if (anomalies.length > 0 || events.length === 0) return anomalies;
  const position = op.answer?.after ?? op.answer?.snapshot?.version;
  const first = events[0]!.seq;
  const last = events[events.length - 1]!.seq;
  if (position !== undefined && first <= position) anomalies.push({ kind: 'replayed-before-position', key: taskId, ops: [at], explanation: `resumed after seq ${position} but began at seq ${first}` });
  // The segment: every visible seq of the list from the position (or the stream's first seq) to its last.
  const from = position ?? first - 1;
  const got = new Set(events.map((e) => e.seq));
  const missing = visible.filter((seq) => seq > from && seq <= last && !got.has(seq));
  if (missing.length > 0) {
    anomalies.push({ kind: 'gap', key: taskId, ops: [at, ...missing.map((seq) => log.events.get(seq)!.at)], explanation: `the stream after seq ${from} skipped seq ${missing.join(', ')}, which other reads saw` });
  }
  return anomalies;
}

function logAnomalies(taskId: string, logOp: TaskOperation, ops: TaskOperation[], log: TaskLog): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const at = logOp.operation.completion!.index;
  const inLog = new Set((logOp.answer?.events ?? []).map((e) => e.seq));
  const max = Math.max(0, ...inLog);
  const holes: number[] = [];
  for (let seq = 1; seq <= max; seq += 1) if (!inLog.has(seq)) holes.push(seq);
  if (holes.length > 0) anomalies.push({ kind: 'gap', key: taskId, ops: [at], explanation: `the task's log has no seq ${holes.join(', ')} below its last, ${max}` });
  const phantoms = [...log.events.keys()].filter((seq) => !inLog.has(seq)).sort((a, b) => a - b);
  if (phantoms.length > 0) anomalies.push({ kind: 'lost-event', key: taskId, ops: [at, ...phantoms.map((seq) => log.events.get(seq)!.at)], explanation: `seq ${phantoms.join(', ')} reached a client but is not in the final log` });
  for (const op of ops) {
    const version = op.operation.type === 'ok' ? op.answer?.version : undefined;
    if (version === undefined || version === 0 || op === logOp) continue;
    if (!inLog.has(version)) anomalies.push({ kind: 'lost-event', key: taskId, ops: [op.operation.completion!.index, at], explanation: `${op.operation.f} was acknowledged at version ${version}, which the final log (last seq ${max}) lacks` });
  }
  return anomalies;
}

function isTerminal(event: TaskEvent): boolean {
  return event.state !== undefined && isTerminalState(event.state);
}
