import type { Message } from '@a2a-js/sdk';

/** The text parts of a message, joined by newlines: what a user typed in answer to a question. */
export function messageText(message: Message): string {
  return message.parts
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .filter((t) => t !== '')
    .join('\n');
}
