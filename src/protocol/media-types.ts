import { Errors } from './error-messages.js';

/** The HTTP+JSON binding's registered media type (A2A §14.1). */
export const A2A_JSON = 'application/a2a+json';
/** JSON's media type: the JSON-RPC binding's (A2A §9.1), and the one HTTP+JSON clients often send. */
export const PLAIN_JSON = 'application/json';

/** The media type of a header value, without parameters, lower-cased: `Application/JSON; charset=utf-8` → `application/json`. */
function essence(value: string): string {
  const semicolon = value.indexOf(';');
  return (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
}

/** `application/json` or any `+json` structured suffix (RFC 6839 §3.1): `application/a2a+json`. */
function isJson(type: string): boolean {
  return type === PLAIN_JSON || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Refuses a request body whose `Content-Type` is not JSON (`text/plain`,
 * a form): A2A's content-type error, -32005 in JSON-RPC and HTTP 415 in
 * HTTP+JSON (`AM_ERR_PROTOCOL_REQUEST_NOT_JSON`; docs/conformance.md). A
 * request without the header is read as JSON, as it always was.
 *
 * @example
 * assertJsonRequest(request.headers['content-type'], 'application/json');
 * @throws AgentmeshError `AM_ERR_PROTOCOL_REQUEST_NOT_JSON`
 */
export function assertJsonRequest(contentType: string | undefined, accepted: string): void {
  if (contentType === undefined || contentType === PLAIN_JSON) return;
  const type = essence(contentType);
  if (type === '' || isJson(type)) return;
  throw Errors.requestNotJson({ quotedType: JSON.stringify(type.slice(0, 64)), accepted });
}

/**
 * The media type an HTTP+JSON answer (a result or an error; not a stream)
 * is sent in: the one of `application/json` and `application/a2a+json` the
 * client's `Accept` prefers, else the one its `Content-Type` used, else
 * (a client that named neither: a GET accepting any type)
 * `application/json`, the type A2A §11.1 answers in and every JSON client
 * reads. A client that asks for §14.1's `application/a2a+json` gets it;
 * both are the same JSON.
 *
 * @example
 * reply.header('content-type', restMediaType(request.headers.accept, request.headers['content-type']));
 */
export function restMediaType(accept: string | undefined, contentType: string | undefined): string {
  if (accept !== undefined) {
    const chosen = preferred(accept);
    if (chosen !== undefined) return chosen;
  }
  if (contentType !== undefined && (contentType === A2A_JSON || essence(contentType) === A2A_JSON)) return A2A_JSON;
  return PLAIN_JSON;
}

/** Of the two JSON types, the one `accept` ranks first (by q, then by order); undefined when it names neither. */
function preferred(accept: string): string | undefined {
  let best: string | undefined;
  let bestQ = 0;
  for (const range of accept.split(',', 32)) {
    const type = essence(range);
    if (type !== PLAIN_JSON && type !== A2A_JSON) continue;
    const q = qualityOf(range);
    if (q > bestQ) {
      best = type;
      bestQ = q;
    }
  }
  return best;
}

/** The `q` parameter of one media range (RFC 9110 §12.4.2); 1 when absent or unreadable. */
function qualityOf(range: string): number {
  const at = range.search(/;\s*q=/i);
  if (at < 0) return 1;
  const q = Number.parseFloat(range.slice(range.indexOf('=', at) + 1));
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
}
