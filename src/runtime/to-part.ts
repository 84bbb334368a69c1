import { Part } from '@a2a-js/sdk';
import type { PartInput } from '../contracts/agent/index.js';

/** Accepts v1 JSON parts (`{ text }`, `{ data }`…) or SDK Part objects. */
export function toPart(part: PartInput | Part): Part {
  if ('content' in part) return part as Part;
  return Part.fromJSON(part);
}
