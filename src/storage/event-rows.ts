import type { TaskEventsTable } from './schema.js';
import type { NewTaskEvent, TaskEventRecord } from './task-store.js';

/** One stored row of the event log: the events of one write (schema.ts). */
export type EventRow = TaskEventsTable;

/**
 * The events of one write share one row: kinds comma-joined, payloads
 * newline-joined. A row per event cost four B-tree inserts per SendMessage
 * where one does (~4 µs of ~20 µs of database work, ADR 0002). Payloads are
 * JSON text, which never holds a raw newline; kinds are words.
 */
export function packEvents(taskId: string, events: readonly NewTaskEvent[], now: number): EventRow {
  for (const e of events) {
    if (e.payload.includes('\n')) throw new Error('task event payloads must be single-line JSON text');
    if (e.kind.includes(',')) throw new Error(`task event kind ${JSON.stringify(e.kind)} must not contain a comma`);
  }
  return {
    task_id: taskId,
    seq: events[0]!.seq,
    last_seq: events[events.length - 1]!.seq,
    kind: events.map((e) => e.kind).join(','),
    payload: events.map((e) => e.payload).join('\n'),
    created_at: now,
  };
}

/** The events of stored rows with `seq > afterSeq`, in order, at most `limit`. */
export function unpackEvents(rows: readonly EventRow[], afterSeq: number, limit: number): TaskEventRecord[] {
  const out: TaskEventRecord[] = [];
  for (const row of rows) {
    const kinds = row.kind.split(',');
    const payloads = row.payload.split('\n');
    for (let i = 0; i < kinds.length; i++) {
      const seq = Number(row.seq) + i;
      if (seq <= afterSeq) continue;
      out.push({ taskId: row.task_id, seq, kind: kinds[i]!, payload: payloads[i]!, createdAt: Number(row.created_at) });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
