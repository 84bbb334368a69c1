import { createHash } from 'node:crypto';
import { Message, Role, TaskState, type Task } from '@a2a-js/sdk';
import { canonicalJson } from '../protocol/index.js';

/**
 * When a new message repeating a messageId is a retry (ADR 0046).
 *
 * A2A §3.3.1 lets an agent use the messageId to detect *duplicate* messages:
 * the same message sent again (a client that lost the answer). A message with
 * the same id but other content is not a duplicate of it, and neither is the
 * same message sent again after its client went on with the task it started
 * (a follow-up or a cancel names the task: the client had the answer), so
 * both start a task of their own. The conformance suite sends both.
 */

/**
 * What identifies a message's content, as a hash: its role, parts, metadata,
 * extensions and referenced tasks, in ProtoJSON (so the stored copy, read back
 * from the task's history, hashes as the message received). Its messageId,
 * taskId and contextId are left out: the id is the same by definition, and a
 * new task's stored first message carries the ids the runtime gave it.
 */
export function messageFingerprint(message: Message): string {
  const json: unknown = Message.toJSON({ ...message, messageId: '', taskId: '', contextId: '' });
  return createHash('sha256').update(canonicalJson(json)).digest('base64url');
}

/**
 * Whether `message` (no taskId: it starts a task) is a retry of the one that
 * started `task`: the same content, no other context, and the task not yet
 * continued nor canceled by a client since (its history holds no later user
 * message and it is not CANCELED). `contextId` may be left out of the retry
 * (the first send may have had none and the runtime chose one).
 */
export function isRetryOf(message: Message, task: Task): boolean {
  const first = task.history[0];
  if (first === undefined || first.messageId !== message.messageId) return false;
  if (message.contextId !== '' && message.contextId !== task.contextId) return false;
  if (task.status?.state === TaskState.TASK_STATE_CANCELED) return false;
  if (task.history.slice(1).some((m) => m.role === Role.ROLE_USER)) return false;
  return messageFingerprint(message) === messageFingerprint(first);
}
