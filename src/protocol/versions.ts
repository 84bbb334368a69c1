import { parse as parseQuery } from 'fast-querystring';
import { Errors } from './error-messages.js';
import { isRecord } from './narrowing.js';

/** Protocol versions the runtime serves. */
export type ProtocolVersion = '1.0' | '0.3';

/**
 * Picks the protocol version of a request from the `A2A-Version` header or
 * query parameter (A2A §3.6.2). Absent means 0.3, as the spec requires for
 * clients that predate the header. `1`, `1.0`, `1.0.1` all mean 1.0.
 */
export function negotiateVersion(requested: string | undefined): ProtocolVersion {
  // The two values clients send, named without a trim or a regex: a request's version is read several times per call.
  if (requested === '1.0') return '1.0';
  if (requested === '0.3') return '0.3';
  if (requested === undefined || requested.trim() === '') return '0.3';
  const v = requested.trim();
  if (/^1(\.0(\.\d+)?)?$/.test(v)) return '1.0';
  if (/^0\.3(\.\d+)?$/.test(v)) return '0.3';
  throw Errors.versionNotSupported({ requestedVersion: v.slice(0, 32) });
}

/** Which well-known name a card was asked for: A2A's (`agent-card.json`, v0.3 and v1.0), or the v0.2-era `agent.json`. */
export type CardFile = 'agent-card.json' | 'agent.json';

/**
 * The card version a discovery request gets (ADR 0033): the `A2A-Version` it
 * names (negotiated as for any request), else the v1.0 card at
 * `agent-card.json` (A2A §8.2: the v1.0 well-known URI serves the v1.0
 * AgentCard, §4.4.1) and the v0.3 shape at the v0.2-era `agent.json`, which
 * only clients older than v1.0 ask for. A v0.3 client reading
 * `agent-card.json` asks for its shape with `A2A-Version: 0.3`, as a header or
 * a query parameter (`…/agent-card.json?A2A-Version=0.3`, A2A §3.6).
 *
 * @example
 * negotiateCardVersion(undefined, 'agent-card.json'); // '1.0'
 * negotiateCardVersion('0.3', 'agent-card.json');     // '0.3'
 * negotiateCardVersion(undefined, 'agent.json');      // '0.3'
 */
export function negotiateCardVersion(requested: string | undefined, file: CardFile): ProtocolVersion {
  if (requested === undefined || requested.trim() === '') return file === 'agent.json' ? '0.3' : '1.0';
  return negotiateVersion(requested);
}

/**
 * The `A2A-Version` a request names, as sent: the header, else the query
 * parameter of that name (A2A §3.6: "Clients MAY provide the `A2A-Version`
 * as a request parameter instead of a header"); undefined when it names none
 * (an empty value, a repeated header or parameter names none). The runtime
 * and the gateway both read a request's version here, so they agree on every
 * request of every binding.
 *
 * `query` is the parsed query (a repeated parameter as an array, as Fastify
 * parses it), or the raw query string (`?…`), parsed the same way.
 */
export function requestedVersion(header: string | string[] | undefined, query: unknown): string | undefined {
  if (typeof header === 'string' && header.trim() !== '') return header;
  const value = typeof query === 'string' ? versionParameter(query) : queryValue(query);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function queryValue(query: unknown): unknown {
  if (!isRecord(query)) return undefined;
  return Object.hasOwn(query, 'A2A-Version') ? query['A2A-Version'] : Object.hasOwn(query, 'a2a-version') ? query['a2a-version'] : undefined;
}

/**
 * The parameter from a raw query string, parsed as Fastify parses the
 * runtime's query (fast-querystring: `+` is a space, a malformed escape kept
 * as is); parsed only when the string may name it (most requests carry none;
 * a percent-encoded name counts).
 */
function versionParameter(query: string): unknown {
  if (!query.includes('%') && !/a2a-version/i.test(query)) return undefined;
  return queryValue(parseQuery(query.startsWith('?') ? query.slice(1) : query));
}
