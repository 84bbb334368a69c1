import { CallFailure, parseRetryAfter } from './call-failure.js';
import { isRecord } from '../../protocol/index.js';

/** What one request to the gateway's token endpoint needs. */
export interface TokenRequest {
  /** The gateway's token endpoint (`<gateway>/oauth/token`). */
  tokenUrl: string;
  /** `Basic …` of the client (RFC 6749 §2.3.1). */
  basic: string;
  fetch: typeof fetch;
  /** Deadline of the request, ms. */
  requestTimeoutMs: number;
  /** What the failure message says was refused ("the orchestrator's client credentials", "the exchange of the caller's token"). */
  what: string;
}

/** The `Authorization: Basic` of a client: id and secret form-encoded first (RFC 6749 §2.3.1). */
export function basicCredentials(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

/**
 * POSTs `form` to the token endpoint; the access token and its lifetime
 * (seconds), and the refresh token when one came with it, or a {@link CallFailure}: transient when the endpoint was out of
 * reach, answered 429 or 5xx; final for an OAuth refusal (RFC 6749 §5.2:
 * invalid_client, invalid_grant, invalid_scope… do not pass by retrying).
 */
export async function requestToken(request: TokenRequest, form: Record<string, string>): Promise<{ token: string; expiresIn: number; refreshToken?: string }> {
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.tokenUrl, {
      method: 'POST',
      headers: { authorization: request.basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(request.requestTimeoutMs),
    });
    text = await response.text();
  } catch (err) {
    throw new CallFailure(`the gateway's token endpoint ${request.tokenUrl} could not be reached: ${err instanceof Error ? err.message : String(err)}`, { transient: true, cause: err });
  }
  const json = parseObject(text);
  if (response.status !== 200) {
    const reason = typeof json?.['error'] === 'string' ? `${json['error']}${typeof json['error_description'] === 'string' ? `: ${json['error_description']}` : ''}` : `HTTP ${response.status}`;
    const transient = response.status === 429 || response.status >= 500;
    throw new CallFailure(`the gateway refused ${request.what} (${reason})`, { transient, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
  }
  const token = json?.['access_token'];
  const ttl = json?.['expires_in'];
  if (typeof token !== 'string' || token === '' || typeof ttl !== 'number' || !(ttl > 0)) {
    throw new CallFailure(`the gateway's token endpoint answered without access_token and expires_in`, { transient: true });
  }
  const refreshToken = json?.['refresh_token'];
  return { token, expiresIn: ttl, ...(typeof refreshToken === 'string' && refreshToken !== '' && { refreshToken }) };
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
