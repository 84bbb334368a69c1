import { Message, Task, type StreamResponse } from '@a2a-js/sdk';
import { historyMessageOf } from './task-fold.js';

/**
 * A task's history as JSON, a message at a time, each taken when the message
 * joined (the run keeps it beside the task, task-run.ts), and reused by
 * every snapshot of the task after: a workflow's first message carries its
 * definition and inputs (590 KB for a 100,000-item map), and its task is
 * snapshotted at its create, about once a second while it runs, and at its
 * end.
 *
 * So the stored history holds each message as it arrived, as the event log
 * does: a handler that changes its input (the first message's data part is
 * that object) or an answer it was handed changes neither.
 */
export type HistoryJson = string[];

/** The JSON of a task's history as it is now (a task that starts, or arrives whole in a `task` event). */
export function historyJsonOf(task: Task): HistoryJson {
  return task.history.map((message) => JSON.stringify(Message.toJSON(message)));
}

/** Adds what an event added to its task's history (after foldEvent): a new list for a whole task, else the list grown. */
export function foldHistoryJson(history: HistoryJson, event: StreamResponse, task: Task): HistoryJson {
  if (event.payload?.$case === 'task') return historyJsonOf(task);
  const message = historyMessageOf(event);
  if (message !== undefined) history.push(JSON.stringify(Message.toJSON(message)));
  return history;
}

/**
 * A task's stored snapshot: the JSON of `Task.toJSON(task)`, its members in
 * that order but `history` last, made of `history` (the JSON its messages
 * had when they joined). A history that does not match the task's, message
 * for message, is not used.
 */
export function taskSnapshotJson(task: Task, history: HistoryJson): string {
  if (task.history.length === 0 || history.length !== task.history.length) return JSON.stringify(Task.toJSON(task));
  // Task.toJSON leaves an empty history out; the task's id is always there, so the object has a member before it.
  const rest = JSON.stringify(Task.toJSON({ ...task, history: [] }));
  return `${rest.slice(0, -1)},"history":[${history.join(',')}]}`;
}
