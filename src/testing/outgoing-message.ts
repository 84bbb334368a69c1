import { randomUUID } from 'node:crypto';
import type { PartInput } from '../runtime/index.js';

/** What a test sends: text, one part (`{ text }`, `{ data }`, `{ url }`, `{ raw }`), or several parts. */
export type MessageContent = string | PartInput | readonly PartInput[];

/** Where a message goes and what it carries besides its parts. */
export interface MessageOptions {
  /** The skill to run (`message.metadata.skillId`); default: the agent's default skill. */
  skill?: string;
  /** Continue this task (answer its question, or add to it while it works). */
  taskId?: string;
  /** Start the task in this context (a conversation's earlier tasks share it). */
  contextId?: string;
  /** More message metadata. */
  metadata?: Record<string, unknown>;
  /** Default: a new UUID. Sending the same id again is a retry: the agent answers with the task it started. */
  messageId?: string;
}

/** A user message in A2A v1 JSON. */
export function userMessageJson(content: MessageContent, options: MessageOptions): Record<string, unknown> {
  const parts = typeof content === 'string' ? [{ text: content }] : isPartList(content) ? [...content] : [content];
  const metadata = { ...(options.metadata ?? {}), ...(options.skill === undefined ? {} : { skillId: options.skill }) };
  return {
    messageId: options.messageId ?? randomUUID(),
    role: 'ROLE_USER',
    parts,
    ...(options.taskId === undefined ? {} : { taskId: options.taskId }),
    ...(options.contextId === undefined ? {} : { contextId: options.contextId }),
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
  };
}

/** Several parts rather than one (`Array.isArray` does not narrow a readonly array). */
function isPartList(content: PartInput | readonly PartInput[]): content is readonly PartInput[] {
  return Array.isArray(content);
}
