import { Errors, errorMessage, isInterrupted, isRecord, isTerminal, stateName } from '../protocol/index.js';
import type { Bus, TaskStore } from '../storage/index.js';
import type { CommittedEvent } from './task-events.js';
import { subscribeTaskEvents } from './task-subscription.js';
import { replicaTopic } from './task-writes.js';

/** The bus message handing an answer to the replica whose handler waits for it. */
export interface ResumeControl {
  kind: 'resume';
  taskId: string;
  /** The task's last sequence number as the sender read it: the answer is to the question asked at or before it. */
  seenSeq: number;
  /** The answer, as A2A v1 JSON. */
  message: unknown;
}

/** The bus message handing a message for a working task (a skill that accepts them) to the replica running it. */
export interface MessageControl {
  kind: 'message';
  taskId: string;
  message: unknown;
  tenant: string;
  caller: unknown;
}

/** What {@link forwardToOwner} needs. */
export interface ForwardedMessage {
  store: TaskStore;
  bus: Bus;
  /** The replica running the task's handler. */
  owner: string;
  taskId: string;
  /** The task's last sequence number when it was read. */
  seenSeq: number;
  /** What goes on the owner's topic; its `message` is the one whose joining the task's history is awaited. */
  control: ResumeControl | MessageControl;
  messageId: string;
  /** How long the owner gets to write the message into the task's log, ms. */
  timeoutMs: number;
}

/**
 * Hands a user message to the replica running its task (an answer to the
 * handler waiting for one, or a message for a working skill that accepts
 * them), and returns once the task's log shows that replica took it.
 *
 * The bus keeps nothing: a message to a replica whose subscription is down (a
 * Redis restart or pause, a partition) is lost. A sender that trusted the
 * publish told its client the answer was taken while the task still asked, and
 * a caller following the task (an orchestrator's workflow step) then waited
 * for ever. The log is the truth: the message joined it, or the sender says it
 * did not (`AM_ERR_HTTP_TIMEOUT`, retryable: the client reads the task before
 * sending again, since the owner may still take this one).
 *
 * @throws AgentmeshError the task moved on without this message (for an
 *   answer: another answer, a new question; for either: its end), or the
 *   owner did not confirm in time.
 */
export async function forwardToOwner(o: ForwardedMessage): Promise<void> {
  // Published first: what the owner writes before the log is read below is in the log.
  try {
    await o.bus.publish(replicaTopic(o.owner), o.control);
  } catch (err) {
    // The bus is down or paused (a Redis restart, a partition): the caller is told so, retryable, not that the
    // runtime failed. A publish that timed out may still be delivered once the bus is back, hence "read the task".
    throw Errors.taskOwnerUnreachable({ taskId: o.taskId, reason: errorMessage(err) });
  }
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const expired = new Promise<'expired'>((resolve) => deadline.addEventListener('abort', () => resolve('expired'), { once: true }));
  const events = subscribeTaskEvents({ store: o.store, bus: o.bus, taskId: o.taskId, afterSeq: o.seenSeq, endOnInterrupted: false, waitForNew: true, includeHistory: true, signal: deadline });
  const answering = o.control.kind === 'resume';
  let pending: Promise<IteratorResult<CommittedEvent>> | undefined;
  try {
    for (;;) {
      pending = events.next();
      // The log's reads do not watch the deadline: a store that hangs must not hold the client past it.
      const next = await Promise.race([pending, expired]);
      if (next === 'expired' || next.done) break;
      pending = undefined;
      const event = next.value;
      if (event.kind === 'history') {
        if (joinedMessageId(event.payload) === o.messageId) return;
        // Another message joined first: a message to a working task (the skill accepts them) may, while this answer is
        // still taken; another answer is followed by its working status, which the next event shows.
      } else if (isTerminal(event.state)) {
        throw Errors.taskClosedToMessages({ taskId: o.taskId, state: stateName(event.state!) });
      } else if (answering && event.state !== undefined) {
        if (isInterrupted(event.state)) throw Errors.taskAskedAgain({ taskId: o.taskId });
        throw Errors.taskNotWaitingForInput({ taskId: o.taskId, state: stateName(event.state) });
      }
    }
  } finally {
    // A read still pending finishes on its own; the subscription ends when it does.
    if (pending === undefined) await events.return(undefined);
    else void pending.then(() => events.return(undefined)).catch(() => undefined);
  }
  throw Errors.messageNotConfirmed({ taskId: o.taskId, timeoutMs: o.timeoutMs });
}

/** The id of the message a `history` entry joined to the task. */
function joinedMessageId(payload: string): string | undefined {
  const parsed: unknown = JSON.parse(payload);
  const message = isRecord(parsed) ? parsed['message'] : undefined;
  const id = isRecord(message) ? message['messageId'] : undefined;
  return typeof id === 'string' ? id : undefined;
}
