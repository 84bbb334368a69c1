import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound call may reach. Rules, in order:
 *  1. An IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96, RFC 6052) or
 *     6to4 (2002::/16) IPv6 address is judged by the IPv4 address it carries.
 *  2. Cloud metadata endpoints (169.254.169.254, fd00:ec2::254, 100.100.100.200)
 *     are always refused: credentials live there. Only an allow-listed host passes.
 *  3. Only globally routable unicast passes; everything else is refused with
 *     the range's name: loopback, private (10/8, 172.16/12, 192.168/16),
 *     unique-local (fc00::/7), link-local (169.254/16, fe80::/10), carrier-grade
 *     NAT (100.64/10), unspecified (0.0.0.0/8, ::), multicast, broadcast,
 *     reserved/documentation, Teredo, … — unless private addresses are allowed.
 */

/** Whether an address may be reached, and if not, which rule refused it. */
export type AddressVerdict = { blocked: false } | { blocked: true; metadata: boolean; range: string };

const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/** Host names that resolve to metadata services inside clouds (GCP, AWS, Azure, Alibaba, OpenStack…). */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

const READABLE: Readonly<Record<string, string>> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'unique-local (private)',
  reserved: 'reserved',
  teredo: 'Teredo',
  deprecatedSiteLocal: 'site-local',
};

/** True for host names of cloud metadata services (case-insensitive, trailing dot ignored). */
export function isMetadataHost(hostname: string): boolean {
  return METADATA_HOSTS.has(hostname.toLowerCase().replace(/\.$/, ''));
}

function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address();
  const range = addr.range();
  const b = addr.toByteArray();
  if (range === 'rfc6052' && b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b[4] === 0 && b[5] === 0) {
    // 64:ff9b::/96 carries the IPv4 address in its last 32 bits (RFC 6052 §2.2).
    return new ipaddr.IPv4(b.slice(12, 16));
  }
  if (range === '6to4') return new ipaddr.IPv4(b.slice(2, 6)); // 2002:AABB:CCDD::/48 (RFC 3056 §2)
  return undefined;
}

/**
 * Judges one IP address (v4 or v6, as resolved or written in a URL).
 * Throws a TypeError for something that is not an IP address.
 */
export function judgeAddress(address: string, options: { allowPrivate: boolean }): AddressVerdict {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) throw new TypeError(`not an IP address: ${address}`);
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(bare);
  if (ip.kind() === 'ipv6') ip = embeddedIPv4(ip as ipaddr.IPv6) ?? ip;
  const normalized = ip.toString();
  if (METADATA_ADDRESSES.has(normalized)) return { blocked: true, metadata: true, range: 'cloud metadata' };
  const range = ip.range();
  if (range === 'unicast') return { blocked: false };
  if (options.allowPrivate) return { blocked: false };
  return { blocked: true, metadata: false, range: READABLE[range] ?? range };
}
