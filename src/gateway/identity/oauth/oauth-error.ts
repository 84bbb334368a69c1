import { isAgentmeshError, type RaiseOptions, oneOf } from '../../../protocol/index.js';

/** RFC 6749 §5.2 error codes, plus RFC 8707's invalid_target and RFC 7009's unsupported_token_type. */
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];
const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'unsupported_token_type',
  'server_error',
  'temporarily_unavailable',
] as const;

/** The JSON body of an OAuth error (RFC 6749 §5.2). */
export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description: string;
}

/*
 * An OAuth refusal is an ordinary AgentmeshError, declared in the catalog
 * (`Errors.oauth…`: invalid_client is AM_ERR_AUTH_UNAUTHENTICATED, the rest
 * AM_ERR_IDENTITY_INVALID_ARGUMENT) with the protocol code in
 * `details.oauthError`; the OAuth routes' error handler renders it in
 * RFC 6749 §5.2 form.
 */

/** Marks a failed HTTP Basic client authentication: 401 with `WWW-Authenticate: Basic`. */
export const BASIC_TRIED: RaiseOptions = Object.freeze({ details: Object.freeze({ basic: 'true' }) });

/** How an error leaves an OAuth endpoint: status, headers and the §5.2 body. */
export interface RenderedOAuthError {
  status: number;
  headers: Record<string, string>;
  body: OAuthErrorBody;
  /** The client got a generic message; log the real error. */
  internal: boolean;
}

/** Renders anything thrown at an OAuth endpoint. */
export function renderOAuthError(err: unknown): RenderedOAuthError {
  const headers: Record<string, string> = { 'cache-control': 'no-store', pragma: 'no-cache' };
  const error = isAgentmeshError(err) ? oneOf(OAUTH_ERROR_CODES, err.details?.oauthError) : undefined;
  if (isAgentmeshError(err) && error !== undefined) {
    // RFC 6749 §5.2: invalid_client is 401, with the scheme the client tried when it used the Authorization header.
    const status = error === 'invalid_client' ? 401 : 400;
    if (error === 'invalid_client' && err.details?.basic === 'true') headers['www-authenticate'] = 'Basic realm="agentmesh", charset="UTF-8"';
    return { status, headers, body: { error, error_description: err.message }, internal: false };
  }
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_VALIDATION') {
    return { status: 400, headers, body: { error: 'invalid_request', error_description: 'the request must be an application/x-www-form-urlencoded body of at most 16 KiB' }, internal: false };
  }
  if (isAgentmeshError(err) && err.retryable) {
    return { status: 503, headers, body: { error: 'temporarily_unavailable', error_description: err.expose ? err.message : 'the authorization server is temporarily unavailable' }, internal: !err.expose };
  }
  return { status: 500, headers, body: { error: 'server_error', error_description: 'the authorization server failed to handle the request' }, internal: true };
}
