/**
 * Credits as integers: every amount is in milli-credits (1 credit = 1000)
 * in the database, the APIs and the events, so sums are exact. Decimal
 * strings are only for people: `formatCredits` prints them, `parseCredits`
 * reads them without going through a float.
 */
import { ErrorCodes, invalidArgument } from '../protocol/index.js';

/** Milli-credits in one credit. */
export const MILLI_PER_CREDIT = 1000;

/** Largest amount one top-up may add: 10^12 credits, far inside Number's exact range. */
export const MAX_TOPUP_MILLI_CREDITS = 1e15;

/**
 * Renders milli-credits as a decimal string of credits with three decimals.
 *
 * @example
 * formatCredits(12345); // '12.345'
 * formatCredits(500);   // '0.500'
 */
export function formatCredits(milliCredits: number): string {
  const sign = milliCredits < 0 ? '-' : '';
  const abs = Math.abs(milliCredits);
  return `${sign}${Math.floor(abs / MILLI_PER_CREDIT)}.${String(abs % MILLI_PER_CREDIT).padStart(3, '0')}`;
}

const DECIMAL_RE = /^(\d+)(?:\.(\d{1,3}))?$/;

/**
 * Reads an amount of credits (`"12.5"`, `"0.001"`, `3`) into milli-credits,
 * exactly. More than three decimals, signs, exponents and non-numbers are
 * refused with AM_ERR_TENANCY_INVALID_ARGUMENT naming `field`.
 *
 * @example
 * parseCredits('12.5');  // 12500
 * parseCredits(0.25);    // 250
 */
export function parseCredits(value: string | number, field = 'credits'): number {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  const match = DECIMAL_RE.exec(text);
  if (!match) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be a non-negative number of credits with at most 3 decimals, got ${JSON.stringify(value)}`);
  const milli = Number(match[1]) * MILLI_PER_CREDIT + Number((match[2] ?? '').padEnd(3, '0'));
  if (!Number.isSafeInteger(milli)) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, 'is too large');
  return milli;
}

/**
 * Checks that `value` is an integer number of milli-credits in [min, max].
 *
 * @example
 * checkMilliCredits('milliCredits', 1500, { min: 1 }); // returns 1500
 */
export function checkMilliCredits(field: string, value: unknown, bounds: { min?: number; max?: number } = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be an integer number of milli-credits, got ${JSON.stringify(value)}`);
  if (value < min || value > max) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}, got ${value}` : `must be from ${min} to ${max}, got ${value}`);
  return value;
}
