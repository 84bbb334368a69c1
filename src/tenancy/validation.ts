/** Checks of the identifiers the ledger is called with; each error names its field. */
import { TENANT_PATTERN } from '../contracts/ledger/index.js';
import { ErrorCodes, invalidArgument } from '../protocol/index.js';

export { TENANT_PATTERN };
const TENANT_RE = new RegExp(TENANT_PATTERN);

/** Returns `value` when it is a valid tenant id. */
export function checkTenant(value: unknown, field = 'tenant'): string {
  if (typeof value !== 'string' || !TENANT_RE.test(value)) {
    throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be 1-128 letters, digits or . _ : @ - starting with a letter or digit, got ${JSON.stringify(value)}`);
  }
  return value;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** Returns `value` when it is a non-empty string of at most `max` characters without control characters. */
export function checkText(field: string, value: unknown, max = 256): string {
  // One pattern for every check (no flags, so `test` keeps no state): a literal here made a RegExp per call.
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL_RE.test(value)) {
    throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be a non-empty string of at most ${max} characters without control characters`);
  }
  return value;
}
