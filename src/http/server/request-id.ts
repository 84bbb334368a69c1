import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * An incoming id is honoured only when it is short and plain, so a client
 * cannot inject log fields, header splits or megabytes into every log line.
 */
const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** The request id: the incoming `x-request-id` when valid, else a fresh UUID. */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
}
