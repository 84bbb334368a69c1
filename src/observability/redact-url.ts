/**
 * Query parameters that carry a credential, by lower-case name: OAuth 2.0
 * (RFC 6750 §2.3 `access_token`, RFC 6749 `code`, `client_secret`,
 * `refresh_token`, RFC 7521 `client_assertion`/`assertion`), OIDC
 * `id_token`, API keys (`api_key`, `apikey`, `key`), and pre-signed URL
 * signatures (S3, Azure SAS). Names ending in `token`, `secret` or
 * `password` are redacted too (`x-amz-security-token`, `webhook_secret`).
 */
import { isRecord } from '../protocol/index.js';
const CREDENTIAL_PARAMS: ReadonlySet<string> = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'code',
  'client_secret',
  'client_assertion',
  'assertion',
  'api_key',
  'apikey',
  'api-key',
  'x-api-key',
  'key',
  'password',
  'passwd',
  'pwd',
  'secret',
  'signature',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-goog-signature',
  'x-goog-credential',
  'jwt',
  'session',
  'sessionid',
  'auth',
  'authorization',
]);

const REDACTED = '[redacted]';

/** True when a query parameter of this name carries a credential (names as sent, case-insensitive, percent-decoded). */
export function isCredentialParam(name: string): boolean {
  let decoded = name;
  if (name.includes('%') || name.includes('+')) {
    try {
      decoded = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      // A malformed escape: judge the name as sent.
    }
  }
  const lower = decoded.trim().toLowerCase();
  return CREDENTIAL_PARAMS.has(lower) || lower.endsWith('token') || lower.endsWith('secret') || lower.endsWith('password');
}

/**
 * `url` (a request target `/p?q` or an absolute URL) with the value of every
 * credential-bearing query parameter replaced by `[redacted]`; the rest is
 * kept byte for byte. A URL without a query string is returned as is, so the
 * common case costs one `indexOf`.
 *
 * @example
 * import { redactUrl } from '../observability/index.js';
 * redactUrl('/agents/a/tasks?access_token=eyJ…&pageSize=5'); // '/agents/a/tasks?access_token=[redacted]&pageSize=5'
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash);
  let changed = false;
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (name === '' || !isCredentialParam(name)) return pair;
    changed = true;
    return `${name}=${REDACTED}`;
  });
  if (!changed) return url;
  return `${url.slice(0, q + 1)}${pairs.join('&')}${hash === -1 ? '' : url.slice(hash)}`;
}

/**
 * The `req` serializer of every logger: Fastify's fields (`method`, `url`,
 * `host`, `remoteAddress`, `remotePort`, no headers) with the URL's
 * credentials redacted. Works on a Fastify request and on a bare
 * `IncomingMessage`.
 */
export function serializeRequest(req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req;
  // Read by name: a Fastify request and an IncomingMessage have these fields (some as getters), nothing promises more.
  const field = (from: object, name: string): unknown => Reflect.get(from, name);
  const headers = field(req, 'headers');
  const socket = field(req, 'socket');
  const url = field(req, 'url');
  return {
    method: field(req, 'method'),
    url: typeof url === 'string' ? redactUrl(url) : url,
    host: field(req, 'host') ?? (isRecord(headers) ? headers['host'] : undefined),
    remoteAddress: field(req, 'ip') ?? (isRecord(socket) ? socket['remoteAddress'] : undefined),
    remotePort: isRecord(socket) ? socket['remotePort'] : undefined,
  };
}

/**
 * The `req` serializer of `createLogger`: whatever object is logged as `req`
 * keeps its shape (the headers redaction still applies), with its `url`'s
 * credentials redacted. A server's request lines use {@link serializeRequest}.
 */
export function redactRequestUrl(req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req;
  const url = (req as { url?: unknown }).url;
  if (typeof url !== 'string') return req;
  const redacted = redactUrl(url);
  return redacted === url ? req : { ...req, url: redacted };
}

/** The `url` serializer: any logged `url` string has its credentials redacted. */
export function serializeUrl(url: unknown): unknown {
  return typeof url === 'string' ? redactUrl(url) : url;
}
