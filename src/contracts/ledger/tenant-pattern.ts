/**
 * Tenant ids: what tokens carry (`acme`, `org-42`, `eu.acme`, `urn:tenant:7`).
 * No spaces or slashes, so a tenant is always one path segment and one account name part.
 */
export const TENANT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$';
