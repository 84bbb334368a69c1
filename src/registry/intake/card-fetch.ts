import type { SsrfGuard } from '../../http/index.js';
import { type AgentmeshError, ErrorCodes, isAgentmeshError, Errors, errorMessage } from '../../protocol/index.js';
import { A2A_CARD_MEDIA_TYPE } from '../../contracts/registry/index.js';

/*
 * Fetches an agent card by URL, through the SSRF guard (which refuses
 * private, loopback and metadata addresses unless allow-listed, re-checks at
 * connect time and on every redirect, and caps time and size). Rules:
 *
 * 1. A URL ending in `.json` is the card itself. Any other URL is the base of
 *    an agent: its card is at `<url>/.well-known/agent-card.json` (A2A §8.2),
 *    or, when that answers 404, at the v0.3-era `<url>/.well-known/agent.json`.
 * 2. The request asks for v1.0 (`A2A-Version: 1.0`): an agent that serves
 *    both shapes, like ours, then answers with its v1.0 card, the one its
 *    signature was computed over.
 * 3. Only 200 is a card. Media types: `application/json`,
 *    `application/a2a-agent-card+json` or any other `+json`, whatever the
 *    charset; no Content-Type at all is given the benefit of the doubt.
 * 4. Errors: refused by the guard → AM_ERR_SSRF_BLOCKED (its reason kept);
 *    network failure, timeout, non-200 → AM_ERR_HTTP_UPSTREAM_FAILED with
 *    the URL (and status); too large → AM_ERR_HTTP_UPSTREAM_TOO_LARGE; not
 *    JSON → AM_ERR_REGISTRY_CARD_INVALID.
 */

/** What {@link fetchAgentCard} needs. */
export interface CardFetchOptions {
  guard: SsrfGuard;
  timeoutMs: number;
  maxBytes: number;
}

/** The parsed body of a card response, and the URL it was found at. */
export interface FetchedCard {
  raw: unknown;
  url: string;
}

const ACCEPT = `${A2A_CARD_MEDIA_TYPE}, application/json;q=0.9`;
const WELL_KNOWN = '/.well-known/agent-card.json';
const LEGACY_WELL_KNOWN = '/.well-known/agent.json';

function invalidUrl(input: unknown): AgentmeshError {
  return Errors.cardUrlNotHttp({ quotedUrl: JSON.stringify(String(input).slice(0, 200)) }, {
    violations: [{ field: 'cardUrl', description: 'must be an absolute http(s) URL' }],
  });
}

/** `input` as a URL, or AM_ERR_REGISTRY_INVALID_ARGUMENT when it is not an absolute http(s) URL. */
export function parseCardUrl(input: unknown): URL {
  const url = typeof input === 'string' && URL.canParse(input) ? new URL(input) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalidUrl(input);
  return url;
}

/**
 * The URLs to try for a card URL as given: the URL itself when it names a
 * `.json` document, else the agent's well-known card paths.
 *
 * @example
 * cardLocations('https://agents.example.com/agents/sales');
 * // ['https://agents.example.com/agents/sales/.well-known/agent-card.json',
 * //  'https://agents.example.com/agents/sales/.well-known/agent.json']
 */
export function cardLocations(input: string): string[] {
  const url = parseCardUrl(input);
  url.hash = '';
  if (url.pathname.toLowerCase().endsWith('.json')) return [url.href];
  url.search = '';
  const base = url.href.replace(/\/+$/, '');
  return [`${base}${WELL_KNOWN}`, `${base}${LEGACY_WELL_KNOWN}`];
}

/** What a guarded GET asks for and how its errors name it. */
export interface GuardedGet {
  headers: Record<string, string>;
  /** What is fetched, for messages: `the agent card`, `the ACP agent list`. */
  what: string;
}

const CARD_GET: GuardedGet = { headers: { accept: ACCEPT, 'a2a-version': '1.0' }, what: 'the agent card' };

/**
 * One GET through the SSRF guard, its failures turned into the registry's
 * errors (see rule 4 above); the intake of ACP manifests shares it.
 */
export async function guardedGet(location: string, options: CardFetchOptions, request: GuardedGet = CARD_GET): Promise<Response> {
  const { what } = request;
  try {
    return await options.guard.fetch(location, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes, headers: request.headers });
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    switch (err.code) {
      case ErrorCodes.HTTP_TIMEOUT:
        throw Errors.cardFetchTimedOut({ what, target: location, timeoutMs: options.timeoutMs }, { cause: err });
      case ErrorCodes.HTTP_UPSTREAM_FAILED:
        throw Errors.cardFetchFailed({ what, target: location, reason: err.message }, { retryable: err.retryable, cause: err });
      case ErrorCodes.HTTP_UPSTREAM_TOO_LARGE:
        throw Errors.fetchedTooLarge({ What: capitalized(what), target: location, maxBytes: options.maxBytes }, { cause: err });
      default:
        // AM_ERR_SSRF_BLOCKED names the rule and the target already.
        throw err;
    }
  }
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export function isJsonMediaType(contentType: string | null): boolean {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === '' || mediaType === 'application/json' || mediaType === A2A_CARD_MEDIA_TYPE || mediaType.endsWith('+json');
}

function notACard(location: string, description: string): AgentmeshError {
  return Errors.notAnAgentCard({ location, description }, {
    violations: [{ field: 'cardUrl', description: `answered a document that ${description}` }],
  });
}

/**
 * Fetches and parses the card at `input` (see the rules above).
 *
 * @example
 * const { raw, url } = await fetchAgentCard('https://agents.example.com', { guard, timeoutMs: 5_000, maxBytes: 262_144 });
 */
export async function fetchAgentCard(input: string, options: CardFetchOptions): Promise<FetchedCard> {
  const locations = cardLocations(input);
  let firstNotFound: string | undefined;
  for (const [index, location] of locations.entries()) {
    const response = await guardedGet(location, options);
    if (response.status === 404 && index < locations.length - 1) {
      firstNotFound ??= location;
      continue;
    }
    if (response.status !== 200) {
      const tried = firstNotFound !== undefined ? ` (and ${firstNotFound} answered HTTP 404)` : '';
      throw Errors.cardUrlAnswered({ target: location, status: response.status, tried }, { retryable: response.status >= 500 || response.status === 429 || response.status === 408 });
    }
    const contentType = response.headers.get('content-type');
    if (!isJsonMediaType(contentType)) throw notACard(location, `is ${contentType}, not JSON (${A2A_CARD_MEDIA_TYPE} or application/json)`);
    const text = await response.text();
    try {
      return { raw: JSON.parse(text) as unknown, url: location };
    } catch (err) {
      throw notACard(location, `is not valid JSON (${errorMessage(err)})`);
    }
  }
  // cardLocations never returns an empty list; this keeps the compiler sure of it.
  throw invalidUrl(input);
}
