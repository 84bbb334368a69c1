/**
 * Allow-list of outbound hosts. A pattern is `host`, `host:port`, `*.suffix`
 * or `*.suffix:port`; hosts compare case-insensitively without a trailing
 * dot, IPv6 literals are written in brackets (`[::1]:8080`). A pattern
 * without a port allows every port; `*.example.com` allows `a.example.com`
 * and `a.b.example.com`, not `example.com` itself.
 */
interface Pattern {
  /** Exact host, or the suffix (with its leading dot) for wildcards. */
  host: string;
  wildcard: boolean;
  port: string | undefined;
}

/** Lower case, no trailing dot, IPv6 without brackets (`URL.hostname` keeps them, sockets do not). */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[') && lower.endsWith(']')) return lower.slice(1, -1);
  return lower.replace(/\.$/, '');
}

function parsePattern(raw: string): Pattern {
  const text = raw.trim().toLowerCase();
  let host = text;
  let port: string | undefined;
  const bracket = text.match(/^(\[[^\]]+\])(?::(\d+))?$/);
  if (bracket !== null) {
    host = bracket[1] ?? text;
    port = bracket[2];
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== -1 && text.indexOf(':') === colon) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new TypeError(`"allowHosts" entry ${JSON.stringify(raw)} has an invalid port`);
  const wildcard = host.startsWith('*.');
  const bare = wildcard ? host.slice(1) : host; // keep the dot: '.example.com'
  if (bare === '' || bare === '.' || bare.includes('*') || bare.includes('/')) {
    throw new TypeError(`"allowHosts" entry ${JSON.stringify(raw)} must be host, host:port, *.suffix or *.suffix:port`);
  }
  return { host: normalizeHost(bare), wildcard, port };
}

/** The compiled allow-list. */
export class HostAllowList {
  readonly #patterns: Pattern[];

  constructor(patterns: readonly string[]) {
    this.#patterns = patterns.map(parsePattern);
  }

  /** Whether `hostname` (as in `URL.hostname`) on `port` (explicit or the scheme default) is allowed. */
  allows(hostname: string, port: string): boolean {
    if (this.#patterns.length === 0) return false;
    const host = normalizeHost(hostname);
    return this.#patterns.some(
      (p) => (p.port === undefined || p.port === port) && (p.wildcard ? host.endsWith(p.host) && host.length > p.host.length : host === p.host),
    );
  }
}

/** The port a URL connects to: its explicit port or its scheme's default. */
export function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}
