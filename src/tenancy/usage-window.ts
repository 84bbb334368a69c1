/** Reads a usage query's time window and grouping. */
import type { UsageDimension } from './ledger-types.js';
import { invalidArgument, ErrorCodes, oneOf } from '../protocol/index.js';

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DIMENSIONS: readonly UsageDimension[] = ['agent', 'skill', 'day'];

/**
 * The window [from, to) in epoch ms. A date (`2026-08-01`, UTC) as `from`
 * starts at its midnight; as `to` it includes that whole day. An ISO 8601
 * instant is taken as is (exclusive as `to`).
 *
 * @example
 * usageWindow('2026-08-01', '2026-08-31'); // { from: Aug 1 00:00Z, to: Sep 1 00:00Z }
 */
export function usageWindow(from: string | undefined, to: string | undefined): { from: number | undefined; to: number | undefined } {
  const start = from === undefined ? undefined : instant('from', from, false);
  const end = to === undefined ? undefined : instant('to', to, true);
  if (start !== undefined && end !== undefined && end <= start) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'to', 'must be after from');
  return { from: start, to: end };
}

/** The grouping, checked and without duplicates, in the order given. */
export function usageGrouping(groupBy: unknown): UsageDimension[] {
  if (!Array.isArray(groupBy)) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'groupBy', `must be a list of ${DIMENSIONS.join(', ')}`);
  const seen: UsageDimension[] = [];
  for (const dimension of groupBy) {
    const known = oneOf(DIMENSIONS, dimension);
    if (known === undefined) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'groupBy', `must name only ${DIMENSIONS.join(', ')}, got ${JSON.stringify(dimension)}`);
    if (!seen.includes(known)) seen.push(known);
  }
  return seen;
}

/** `YYYY-MM-DD` of a day number (days since the epoch, UTC). */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function instant(field: string, value: string, endOfDay: boolean): number {
  const isDate = DATE_RE.test(value);
  const ms = Date.parse(isDate ? `${value}T00:00:00Z` : value);
  // Date.parse also takes "August 1" and rolls 2026-02-30 over to March: only real ISO 8601 dates pass.
  const valid = !Number.isNaN(ms) && /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(value) && (!isDate || new Date(ms).toISOString().startsWith(value));
  if (!valid) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be a date (YYYY-MM-DD) or an ISO 8601 instant, got ${JSON.stringify(value)}`);
  return isDate && endOfDay ? ms + DAY_MS : ms;
}
