import type { ExchangeRequest } from '../../http/index.js';
import { Errors, type AgentmeshError } from '../../protocol/index.js';
import { TENANT_PATTERN } from '../../tenancy/index.js';

/** Delegation headers (docs/gateway.md#calling-on-behalf-of-a-tenant); never trusted without GATEWAY_DELEGATE_SCOPE. */
export const ON_BEHALF_OF_TENANT = 'x-agentmesh-on-behalf-of-tenant';
const ON_BEHALF_OF_SUBJECT = 'x-agentmesh-on-behalf-of-subject';
const ON_BEHALF_OF_SCOPES = 'x-agentmesh-on-behalf-of-scopes';
const SCOPE_RE = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;
const TENANT_RE = new RegExp(TENANT_PATTERN);
const MAX_SUBJECT = 256;

/** The delegation headers as sent, when the call carries any. */
export function delegationOf(request: ExchangeRequest): { tenant: unknown; subject: unknown; scopes: unknown } | undefined {
  const tenant = request.headers[ON_BEHALF_OF_TENANT];
  const subject = request.headers[ON_BEHALF_OF_SUBJECT];
  const scopes = request.headers[ON_BEHALF_OF_SCOPES];
  return tenant === undefined && subject === undefined && scopes === undefined ? undefined : { tenant, subject, scopes };
}

/** The end user's scopes (RFC 6749 scope syntax, space-separated, may be empty), when the delegating client sends them. */
function checkScopes(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const scopes = typeof raw === 'string' ? raw.split(' ').filter((s) => s !== '') : undefined;
  if (!scopes || scopes.length > 100 || !scopes.every((s) => SCOPE_RE.test(s))) {
    throw badHeader(ON_BEHALF_OF_SCOPES, 'must be one space-separated list of at most 100 OAuth scopes');
  }
  return scopes;
}

/** The tenant as tenancy keys it (ledger accounts, task store); the subject as an audit `user`. */
export function checkDelegation(raw: { tenant: unknown; subject: unknown; scopes: unknown }): { tenant: string; subject: string | undefined; scopes: string[] | undefined } {
  if (typeof raw.tenant !== 'string' || !TENANT_RE.test(raw.tenant)) {
    throw badHeader(ON_BEHALF_OF_TENANT, raw.tenant === undefined ? `is required with ${ON_BEHALF_OF_SUBJECT}` : 'must be one tenant id: 1-128 letters, digits or . _ : @ - starting with a letter or digit');
  }
  const scopes = checkScopes(raw.scopes);
  if (raw.subject === undefined) return { tenant: raw.tenant, subject: undefined, scopes };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof raw.subject !== 'string' || raw.subject.trim() === '' || raw.subject.length > MAX_SUBJECT || /[\u0000-\u001f\u007f]/.test(raw.subject)) {
    throw badHeader(ON_BEHALF_OF_SUBJECT, `must be one non-blank value of at most ${MAX_SUBJECT} characters without control characters`);
  }
  return { tenant: raw.tenant, subject: raw.subject, scopes };
}

function badHeader(header: string, description: string): AgentmeshError {
  return Errors.delegationHeaderInvalid({ header, description }, { violations: [{ field: header, description }] });
}
