import type { Message } from '@a2a-js/sdk';

/**
 * Marks a value as made by `ctx.reply()`. A registered symbol, not a class:
 * an agent module may load its own copy of agentmesh beside the runtime's,
 * and a handler's ordinary output (data a caller sent, echoed back) cannot
 * carry a symbol-keyed property, so no output passes for a reply.
 */
export const MESSAGE_REPLY: unique symbol = Symbol.for('agentmesh.messageReply');

/**
 * A skill's answer as a Message (A2A §3.1.1): what `ctx.reply()` returns,
 * for the handler to return. With no task created yet (a skill that sets
 * `messageReplies`, called by a client that waits for the answer) the
 * caller gets this Message and no task exists; otherwise the message's
 * parts become the task's `result` artifact and the task completes
 * (docs/adr/0034-message-replies-and-rejection.md).
 */
export interface MessageReply {
  readonly [MESSAGE_REPLY]: true;
  /** The agent's message, as the caller receives it. */
  readonly message: Message;
}

/** True for a value `ctx.reply()` made. */
export function isMessageReply(value: unknown): value is MessageReply {
  return typeof value === 'object' && value !== null && MESSAGE_REPLY in value && value[MESSAGE_REPLY] === true;
}
