import { InvalidArgumentError } from 'commander';

/** Parses a positive integer option value, at most `max`; `what` names the unit in the error. */
export function positiveInteger(what: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `expected a positive integer (${what})` : `expected an integer from 1 to ${max} (${what})`);
    return n;
  };
}
