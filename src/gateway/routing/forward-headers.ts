import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Request headers that stay at the gateway: the caller's credentials are for
 * the gateway (a token whose audience is the gateway, an API key), and an
 * agent must never be able to replay them; the gateway's own assertion
 * travels instead (given in `headers`). `host` and `content-length` are set
 * by the HTTP client for the upstream request; `expect` would make it wait
 * for a 100 that the body the gateway already read does not need.
 */
// The delegation headers are the gateway's business: the agent learns the tenant from the signed assertion.
export const WITHHELD_REQUEST_HEADERS: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'cookie', 'host', 'content-length', 'content-encoding', 'expect', 'x-agentmesh-on-behalf-of-tenant', 'x-agentmesh-on-behalf-of-subject', 'x-agentmesh-on-behalf-of-scopes']);

/** Response headers that stay upstream: the gateway answers with its own request id. */
const WITHHELD_RESPONSE_HEADERS = new Set(['x-request-id']);

/**
 * Header names a `Connection` header lists are hop-by-hop too: undefined for
 * none, the one name (most clients send one: `keep-alive`), or a set, so
 * the usual request allocates nothing here.
 */
function connectionTokens(value: string | string[] | undefined): string | Set<string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && !value.includes(',')) {
    const name = value.trim().toLowerCase();
    return name === '' ? undefined : name;
  }
  const tokens = new Set<string>();
  for (const line of Array.isArray(value) ? value : [value]) {
    for (const token of line.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') tokens.add(name);
    }
  }
  return tokens;
}

function listed(tokens: string | Set<string> | undefined, name: string): boolean {
  return tokens !== undefined && (typeof tokens === 'string' ? tokens === name : tokens.has(name));
}

/** What the gateway knows of the client, for the `X-Forwarded-*` headers. */
export interface ClientSide {
  ip: string;
  protocol: string;
  host: string | undefined;
}

/**
 * The headers of the upstream request: the client's, minus hop-by-hop and
 * withheld ones, plus `X-Forwarded-For/Proto/Host`, then `extra` (the
 * gateway's assertion, `traceparent`, …), which wins.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, client: ClientSide, extra: Readonly<Record<string, string>>): Record<string, string> {
  const dropped = connectionTokens(incoming.connection);
  const out: Record<string, string> = {};
  for (const name of Object.keys(incoming)) {
    const value = incoming[name];
    if (value === undefined || HOP_BY_HOP.has(name) || WITHHELD_REQUEST_HEADERS.has(name) || listed(dropped, name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const forwardedFor = out['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor === undefined || forwardedFor === '' ? client.ip : `${forwardedFor}, ${client.ip}`;
  out['x-forwarded-proto'] = client.protocol;
  if (client.host !== undefined) out['x-forwarded-host'] = client.host;
  for (const name of Object.keys(extra)) out[name.toLowerCase()] = extra[name]!;
  return out;
}

/**
 * Sets the headers of the answer to the client on `reply`: the instance's,
 * minus hop-by-hop and withheld ones. Straight onto the reply, with no
 * object of them in between: this runs on every answer's path (ADR 0057).
 */
export function setClientResponseHeaders(upstream: IncomingHttpHeaders, reply: { header(name: string, value: string | string[]): unknown }): void {
  const dropped = connectionTokens(upstream.connection);
  for (const name of Object.keys(upstream)) {
    const value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name) || WITHHELD_RESPONSE_HEADERS.has(name) || listed(dropped, name)) continue;
    reply.header(name, value);
  }
}
