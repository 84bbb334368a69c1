import { Errors } from '../protocol/index.js';

/** Checks an option that must be an integer in [min, max]; the message names it. */
export function integerOption(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw Errors.auditOptionNotInteger({ option: name, range, given: JSON.stringify(value) ?? String(value) });
  }
  return value;
}

/** Parses an ISO 8601 option to epoch ms; the message names it. */
export function timeOption(name: string, value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw Errors.auditOptionNotTime({ option: name, given: JSON.stringify(value) ?? String(value) });
  return ms;
}
