import type { Message, Part } from '@a2a-js/sdk';

/** The text parts of `parts`, joined (no separator: chunks of one text join as written). */
export function textOfParts(parts: readonly Part[]): string {
  let text = '';
  for (const part of parts) if (part.content?.$case === 'text') text += part.content.value;
  return text;
}

/** The value of the first data part of `parts`, or undefined. */
export function dataOfParts(parts: readonly Part[]): unknown {
  for (const part of parts) if (part.content?.$case === 'data') return part.content.value;
  return undefined;
}

/** The text of a message (its text parts joined), '' when there is none. */
export function textOf(message: Message | undefined): string {
  return message === undefined ? '' : textOfParts(message.parts);
}

/** The value of a message's first data part, or undefined. */
export function dataOf(message: Message | undefined): unknown {
  return message === undefined ? undefined : dataOfParts(message.parts);
}
