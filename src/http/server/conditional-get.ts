/**
 * Validators and conditional GETs of a cached document (an agent card):
 * `ETag` and `Last-Modified` out, `If-None-Match` and `If-Modified-Since`
 * in, answered with 304 (RFC 9110 §8.8, §13.1, §13.2.2; A2A §8.6 asks
 * clients to revalidate a card with either).
 */

/** The request headers a conditional GET reads. */
export interface ConditionalHeaders {
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
}

/**
 * True when a GET with `headers` may be answered 304 Not Modified: by
 * `If-None-Match` when it is sent (`*` or any listed tag equal by weak
 * comparison, RFC 9110 §13.1.2), else by `If-Modified-Since` when it is a
 * valid date not before `lastModified` (§13.1.3; an invalid date is ignored).
 *
 * @example
 * if (isNotModified(request.headers, etag, lastModified)) return reply.code(304).send();
 */
export function isNotModified(headers: ConditionalHeaders, etag: string, lastModified: string | undefined): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return matchesAny(ifNoneMatch, etag);
  const since = headers['if-modified-since'];
  if (since === undefined || lastModified === undefined) return false;
  const sinceMs = Date.parse(since);
  return Number.isFinite(sinceMs) && Date.parse(lastModified) <= sinceMs;
}

function matchesAny(header: string, etag: string): boolean {
  const strong = etag.startsWith('W/') ? etag.slice(2) : etag;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || (t.startsWith('W/') ? t.slice(2) : t) === strong;
  });
}

/**
 * `Last-Modified` of documents known by their ETag: the time (to the whole
 * second, as HTTP dates have it) a key was first served with its current
 * ETag. A document rebuilt identically keeps its date; one that changed gets
 * the time of the change. One entry per key (an agent, a card version), never
 * per request.
 *
 * @example
 * const modified = new LastModifiedClock();
 * reply.header('last-modified', modified.of(agent.name, etag));
 */
export class LastModifiedClock {
  readonly #seen = new Map<string, { etag: string; date: string }>();
  readonly #now: () => number;

  /** `now`: the clock, epoch ms; default `Date.now`. */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** The HTTP date since which `key` has had `etag`. */
  of(key: string, etag: string): string {
    const seen = this.#seen.get(key);
    if (seen !== undefined && seen.etag === etag) return seen.date;
    const date = new Date(Math.floor(this.#now() / 1000) * 1000).toUTCString();
    this.#seen.set(key, { etag, date });
    return date;
  }
}
