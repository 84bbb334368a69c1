import type { Bus, TaskStore, Unsubscribe } from '../storage/index.js';
import { isTerminal, parseStateName, isRecord } from '../protocol/index.js';
import { endsStream, stateFromPayload, storedKind, taskTopic, type CommittedEvent } from './task-events.js';

/** Options of {@link subscribeTaskEvents}. */
export interface TaskSubscriptionOptions {
  store: TaskStore;
  bus: Bus;
  taskId: string;
  /** Deliver events with a greater sequence number (the client's Last-Event-ID). */
  afterSeq: number;
  /** End the stream at input-required / auth-required too (send streams do). */
  endOnInterrupted: boolean;
  /** Ends a live wait. A function is called only if the stream has to wait (an AbortSignal costs ~3 µs; most streams never wait). */
  signal?: AbortSignal | (() => AbortSignal);
  /** Don't end early on an interrupted task with nothing new: new events are on their way (a continued task). */
  waitForNew?: boolean;
  /** Yield the internal `history` entries too (user messages joining the task): what a TaskControl's `messages()` reads. */
  includeHistory?: boolean;
  /** Events already known to be committed, in order (from the run on this replica): served before the log is read. */
  committed?: readonly CommittedEvent[];
}

const PAGE = 500;
/** How long a quiet live stream waits before re-reading the log. */
const POLL_MS = 2000;

/**
 * Replays a task's log after `afterSeq`, then follows it live, from any
 * replica: exactly the events the client has not seen, in order, with no
 * duplicates and no gaps. Events this replica's run handed over come first;
 * when they do not end the stream, the bus subscription opens (and is
 * confirmed, across replicas) before the log is read,
 * so nothing committed in between is missed; bus messages carry sequence
 * numbers, so what the log already delivered is skipped, and a gap (a lost
 * bus message) is filled from the log.
 *
 * Internal `history` entries advance the position but are not yielded.
 */
export async function* subscribeTaskEvents(options: TaskSubscriptionOptions): AsyncGenerator<CommittedEvent, void, undefined> {
  const { store, bus, taskId } = options;
  const history = options.includeHistory === true;
  let signal: AbortSignal | undefined;
  let last = options.afterSeq;
  const buffer: CommittedEvent[] = [];
  let wake: (() => void) | undefined;
  let unsubscribe: Unsubscribe | undefined;
  const onAbort = () => wake?.();
  try {
    // Events this replica just committed need no round trip to the log, nor a subscription when they end the stream.
    for (const e of options.committed ?? []) {
      if (e.seq !== last + 1) continue;
      last = e.seq;
      if (e.kind !== 'history' || history) yield e;
      if (endsStream(e, options.endOnInterrupted)) return;
    }
    unsubscribe = bus.subscribe(taskTopic(taskId), (message) => {
      const events = isRecord(message) ? message['events'] : undefined;
      if (!Array.isArray(events)) return;
      buffer.push(...events);
      wake?.();
    });
    // Across replicas the subscription is live only once Redis confirmed it: read the log after that.
    await unsubscribe.ready;
    // Catch up from the log.
    for (;;) {
      const { events, ended } = await readLog(store, taskId, last, options.endOnInterrupted);
      for (const e of events) {
        last = e.seq;
        if (e.kind !== 'history' || history) yield e;
        if (ended && e === events[events.length - 1]) return;
      }
      if (ended) return;
      if (events.length < PAGE) break;
    }
    // Nothing more will come for a task that ended before we subscribed.
    const row = await store.get(taskId);
    if (!row || (row.terminal && row.lastSeq <= last)) return;
    if (!options.waitForNew && options.endOnInterrupted && row.lastSeq <= last && !isTerminal(parseStateName(row.state)) && row.state !== 'TASK_STATE_SUBMITTED' && row.state !== 'TASK_STATE_WORKING') return;
    // Follow live.
    signal = typeof options.signal === 'function' ? options.signal() : options.signal;
    signal?.addEventListener('abort', onAbort);
    for (;;) {
      if (signal?.aborted) return;
      if (buffer.length === 0) {
        const woken = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!woken) {
          // Quiet for a while: poll the log in case a bus message was lost.
          const { events, ended } = await readLog(store, taskId, last, options.endOnInterrupted);
          for (const e of events) {
            last = e.seq;
            if (e.kind !== 'history' || history) yield e;
            if (ended && e === events[events.length - 1]) return;
          }
        }
        continue;
      }
      buffer.sort((a, b) => a.seq - b.seq);
      const next = buffer.shift()!;
      if (next.seq <= last) continue;
      if (next.seq > last + 1) {
        // A bus message was lost or arrived out of order: the log has the truth.
        buffer.unshift(next);
        const { events, ended } = await readLog(store, taskId, last, options.endOnInterrupted);
        for (const e of events) {
          last = e.seq;
          if (e.kind !== 'history' || history) yield e;
          if (ended && e === events[events.length - 1]) return;
        }
        if (events.length === 0) {
          // Not yet visible in the log (replica lag): drop it; the log poll or the next message catches up.
          buffer.shift();
        }
        continue;
      }
      last = next.seq;
      if (next.kind !== 'history' || history) yield next;
      if (endsStream(next, options.endOnInterrupted)) return;
    }
  } finally {
    unsubscribe?.();
    signal?.removeEventListener('abort', onAbort);
  }
}

async function readLog(store: TaskStore, taskId: string, after: number, endOnInterrupted: boolean): Promise<{ events: CommittedEvent[]; ended: boolean }> {
  const rows = await store.events(taskId, after, PAGE);
  const events: CommittedEvent[] = [];
  for (const r of rows) {
    const e: CommittedEvent = { seq: r.seq, kind: storedKind(r.kind), payload: r.payload, state: stateFromPayload(r.kind, r.payload) };
    events.push(e);
    if (endsStream(e, endOnInterrupted)) return { events, ended: true };
  }
  return { events, ended: false };
}
