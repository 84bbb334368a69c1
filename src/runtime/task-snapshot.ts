import { Message, Task } from '@a2a-js/sdk';

/**
 * The JSON of each history message a snapshot held. A task's history only
 * grows, and its messages are not changed once in it (task-fold.ts), so a
 * message is serialized once however many snapshots of its task are written:
 * a workflow's first message carries its definition and inputs (590 KB for a
 * 100,000-item map), and its task is snapshotted at its create, about once a
 * second while it runs, and at its end.
 */
const messageJson = new WeakMap<Message, string>();

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
 * that order but `history` last, each history message's JSON reused from the
 * task's earlier snapshots.
 */
export function taskSnapshotJson(task: Task): string {
  if (task.history.length === 0) return JSON.stringify(Task.toJSON(task));
  // Task.toJSON leaves an empty history out; the task's id is always there, so the object has a member before it.
  const rest = JSON.stringify(Task.toJSON({ ...task, history: [] }));
  let history = '';
  for (const message of task.history) history += (history === '' ? '' : ',') + jsonOf(message);
  return `${rest.slice(0, -1)},"history":[${history}]}`;
}
