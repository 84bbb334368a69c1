/**
 * The price of one call from the registry's skill pricing (seed 004: a
 * DataEngineer enrichment costs so much per lead in `leadIds`).
 */
import { MILLI_PER_CREDIT } from './amounts.js';
import { invalidArgument, ErrorCodes, isRecord } from '../protocol/index.js';

/** Skill pricing as the registry stores it (`metadata.skills[skill].pricing`), in credits. */
export interface SkillPrice {
  creditsPerCall?: number | undefined;
  creditsPerItem?: number | undefined;
  /** Dot path into the skill input: an array (its length is the count) or a non-negative integer. */
  itemsPath?: string | undefined;
}

/**
 * Estimates what a call costs, in milli-credits: `creditsPerCall`, plus
 * `creditsPerItem` times the items counted at `itemsPath` in the input.
 *
 * Counting: an array counts its elements (an empty one counts 0); a
 * non-negative integer counts itself; a path that is absent (or null) counts
 * one item, as seed 004 does (`leadIds?.length || 1` for a missing list);
 * anything else there (a string, an object, 2.5, -1) is refused with
 * AM_ERR_TENANCY_INVALID_ARGUMENT naming the path. Without `itemsPath`, a
 * per-item price counts one item. Prices are whole milli-credits per unit
 * (0.0005 credits rounds to 1 milli-credit); no pricing costs 0.
 *
 * @example
 * estimateCost({ creditsPerItem: 1, itemsPath: 'leadIds' }, { leadIds: ['a', 'b', 'c'] }); // 3000
 * estimateCost({ creditsPerCall: 0.5 }, {}); // 500
 */
export function estimateCost(pricing: SkillPrice | undefined, input: unknown): number {
  if (pricing === undefined || pricing === null) return 0;
  if (typeof pricing !== 'object') throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'pricing', 'must be an object');
  const perCall = unitPrice('pricing.creditsPerCall', pricing.creditsPerCall);
  const perItem = unitPrice('pricing.creditsPerItem', pricing.creditsPerItem);
  if (perItem === 0) return perCall;
  const items = pricing.itemsPath === undefined ? 1 : countItems(pricing.itemsPath, input);
  const total = perCall + perItem * items;
  if (!Number.isSafeInteger(total)) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, pricing.itemsPath ?? 'pricing', `makes the estimate too large (${items} items)`);
  return total;
}

function unitPrice(field: string, credits: number | undefined): number {
  if (credits === undefined) return 0;
  if (typeof credits !== 'number' || !Number.isFinite(credits) || credits < 0) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be a non-negative number of credits, got ${JSON.stringify(credits)}`);
  return Math.round(credits * MILLI_PER_CREDIT);
}

function countItems(path: string, input: unknown): number {
  if (typeof path !== 'string' || path === '') throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'pricing.itemsPath', 'must be a dot path such as leadIds');
  let value: unknown = input;
  let walked = '';
  for (const segment of path.split('.')) {
    if (value === undefined || value === null) return 1;
    if (!isRecord(value)) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, walked || 'input', `must be an object to reach ${path} for pricing, got ${describe(value)}`);
    if (!Object.hasOwn(value, segment)) return 1;
    value = value[segment];
    walked = walked ? `${walked}.${segment}` : segment;
  }
  if (value === undefined || value === null) return 1;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, path, `must be an array or a non-negative integer to count items for pricing, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
