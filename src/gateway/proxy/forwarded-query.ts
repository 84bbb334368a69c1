/**
 * The query string as forwarded: without `access_token` (RFC 6750 §2.3: a
 * credential for the gateway, never for an agent), and with bytes outside
 * printable ASCII percent-encoded (undici refuses them in a path). Undefined
 * when nothing is left.
 */
export function forwardedQuery(query: string): string | undefined {
  let out = query;
  if (out.includes('access_token')) {
    const kept = out.slice(1).split('&').filter((pair) => pair.split('=', 1)[0] !== 'access_token');
    out = kept.length === 0 ? '' : `?${kept.join('&')}`;
  }
  if (out === '' || out === '?') return undefined;
  return /[^\x21-\x7e]/.test(out) ? out.replace(/[^\x21-\x7e]/g, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')) : out;
}
