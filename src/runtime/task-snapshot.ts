import { Message, Task, type StreamResponse } from '@a2a-js/sdk';
import { historyMessageOf } from './task-fold.js';

/**
 * The JSON of each history message, taken when the message joins its task's
 * history, and reused by every snapshot of the task after: a workflow's first
 * message carries its definition and inputs (590 KB for a 100,000-item map),
 * and its task is snapshotted at its create, about once a second while it
 * runs, and at its end.
 *
 * So the stored history holds each message as it arrived, as the event log
 * does: a handler that changes its input (the first message's data part is
 * that object) or an answer it was handed changes neither.
 */
const messageJson = new WeakMap<Message, string>();

/** Takes the JSON of the messages a task starts with (its history before any event). */
export function rememberHistory(task: Task): void {
  for (const message of task.history) jsonOf(message);
}

/** Takes the JSON of what an event adds to its task's history, if anything. */
export function rememberEventMessage(event: StreamResponse): void {
  if (event.payload?.$case === 'task') return rememberHistory(event.payload.value);
  const message = historyMessageOf(event);
  if (message !== undefined) jsonOf(message);
}

function jsonOf(message: Message): string {
  let json = messageJson.get(message);
  if (json === undefined) {
    json = JSON.stringify(Message.toJSON(message));
    messageJson.set(message, json);
  }
  return json;
}

/**
 * A task's stored snapshot: the JSON of `Task.toJSON(task)`, its members in
 * that order but `history` last, each history message's JSON the one taken
 * when it joined (or, for a message never seen joining, taken now).
 */
export function taskSnapshotJson(task: Task): string {
  if (task.history.length === 0) return JSON.stringify(Task.toJSON(task));
  // Task.toJSON leaves an empty history out; the task's id is always there, so the object has a member before it.
  const rest = JSON.stringify(Task.toJSON({ ...task, history: [] }));
  let history = '';
  for (const message of task.history) history += (history === '' ? '' : ',') + jsonOf(message);
  return `${rest.slice(0, -1)},"history":[${history}]}`;
}
