import type { Message, Part } from '@a2a-js/sdk';
import type { UsageRecord } from '../runtime/index.js';
import { dataOfParts, textOfParts, usageOf } from './parts.js';

/** The metadata key the runtime records a reply's usage under (UsageRecord), as a task's. */

/**
 * A message the agent answered with instead of a task (A2A §3.1.1: a skill
 * that returned `ctx.reply()`), the SDK's `Message` in {@link message}, with
 * readers for what tests assert on.
 *
 * @example
 * const reply = await agent.ask('hello');
 * assert.equal(reply.text, 'Hello!');
 * assert.equal(reply.taskId, '');          // no task was created
 */
export class ReplyResult {
  /** The message exactly as the A2A call returned it. */
  readonly message: Message;

  constructor(message: Message) {
    this.message = message;
  }

  get messageId(): string {
    return this.message.messageId;
  }

  get contextId(): string {
    return this.message.contextId;
  }

  /** The task the message belongs to: '' for a reply, which creates none. */
  get taskId(): string {
    return this.message.taskId;
  }

  get parts(): Part[] {
    return this.message.parts;
  }

  /** The text parts, joined ('' when there is none). */
  get text(): string {
    return textOfParts(this.message.parts);
  }

  /** The value of the first data part, or undefined. `T` is asserted, not checked. */
  data<T = unknown>(): T {
    return dataOfParts(this.message.parts) as T;
  }

  get metadata(): Record<string, unknown> | undefined {
    return this.message.metadata;
  }

  /** Credits and units the skill reported with `ctx.usage()` before replying (summed), or undefined. */
  get usage(): UsageRecord | undefined {
    return usageOf(this.message.metadata);
  }
}
