import type { Message, Part } from '@a2a-js/sdk';
import type { UsageRecord } from '../contracts/agent/index.js';
import { isRecord } from '../protocol/index.js';

/** Where a task's or a reply's metadata carries the credits its skill reported. */
const USAGE_KEY = 'agentmesh.usage';

/** The credits and units reported in `metadata` (`agentmesh.usage`), or undefined when there are none or they are not numbers. */
export function usageOf(metadata: Record<string, unknown> | undefined): UsageRecord | undefined {
  const usage = metadata?.[USAGE_KEY];
  if (!isRecord(usage)) return undefined;
  const credits = usage['credits'];
  const units = usage['units'];
  if (typeof credits !== 'number') return undefined;
  if (units === undefined) return { credits };
  if (!isRecord(units)) return undefined;
  const counted: Record<string, number> = {};
  for (const [name, count] of Object.entries(units)) {
    if (typeof count !== 'number') return undefined;
    counted[name] = count;
  }
  return { credits, units: counted };
}

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
