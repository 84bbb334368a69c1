import { invalidArgument, ErrorCodes } from '../../../protocol/index.js';

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Tenant ids: what tenancy and the runtime's task store key on. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_SCOPES = 200;

/** Checks a tenant id; returns it. */
export function checkTenant(tenant: string, field = 'tenant'): string {
  if (!TENANT.test(tenant)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
  return tenant;
}

/** Checks a scope list: scope-tokens, no duplicates; returns it. */
export function checkScopes(scopes: readonly string[], field = 'scopes'): string[] {
  if (scopes.length > MAX_SCOPES) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, `must hold at most ${MAX_SCOPES} scopes`);
  scopes.forEach((scope, i) => {
    if (!SCOPE_TOKEN.test(scope)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, `${field}[${i}]`, 'must be a scope token (printable ASCII without spaces, quotes or backslashes)');
  });
  if (new Set(scopes).size !== scopes.length) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'must not list a scope twice');
  return [...scopes];
}

/** Checks audiences (no whitespace, no duplicates); returns them. */
export function checkAudiences(audiences: readonly string[], field = 'audiences'): string[] {
  if (audiences.length === 0) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'must hold at least one audience');
  audiences.forEach((aud, i) => {
    if (aud === '' || /\s/.test(aud) || aud.length > 512) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, `${field}[${i}]`, 'must be a non-empty audience without whitespace (512 characters at most)');
  });
  if (new Set(audiences).size !== audiences.length) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'must not list an audience twice');
  return [...audiences];
}
