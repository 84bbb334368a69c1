/** Checks of the identifiers the ledger is called with; each error names its field. */
import { ErrorCodes, invalidArgument } from '../protocol/index.js';

/**
 * Tenant ids: what tokens carry (`acme`, `org-42`, `eu.acme`, `urn:tenant:7`).
 * No spaces or slashes, so a tenant is always one path segment and one account name part.
 */
export const TENANT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$';
const TENANT_RE = new RegExp(TENANT_PATTERN);

/** Returns `value` when it is a valid tenant id. */
export function checkTenant(value: unknown, field = 'tenant'): string {
  if (typeof value !== 'string' || !TENANT_RE.test(value)) {
    throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be 1-128 letters, digits or . _ : @ - starting with a letter or digit, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Returns `value` when it is a non-empty string of at most `max` characters without control characters. */
export function checkText(field: string, value: unknown, max = 256): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, field, `must be a non-empty string of at most ${max} characters without control characters`);
  }
  return value;
}
