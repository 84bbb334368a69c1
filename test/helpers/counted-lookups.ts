/**
 * Counts the DNS lookups this process makes, per host, while every lookup
 * still goes to the real resolver: what a test observes of a component's
 * DNS traffic without standing in for it. The SSRF guard reads `dns.lookup`
 * when it is created, so install this before starting the role.
 */
import dns from 'node:dns';

export function countLookups(): { of(host: string): number; restore(): void } {
  const real = dns.lookup;
  const counts = new Map<string, number>();
  const counting = ((hostname: string, ...rest: unknown[]) => {
    counts.set(hostname, (counts.get(hostname) ?? 0) + 1);
    return (real as (...args: unknown[]) => unknown)(hostname, ...rest);
  }) as typeof dns.lookup;
  dns.lookup = counting;
  return {
    of: (host) => counts.get(host) ?? 0,
    restore: () => {
      dns.lookup = real;
    },
  };
}
