/** The host and port a gRPC client dials. */
export interface GrpcTarget {
  /** DNS name, IPv4 address or bracketed IPv6 address, lowercase. */
  host: string;
  port: number;
}

const SHAPE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([1-9][0-9]{0,4})$/;

/**
 * Reads a gRPC target of the `host:port` form, the form a GRPC interface's
 * `url` takes in practice: the official SDK clients hand the interface URL
 * to their gRPC channel as is (`@a2a-js/sdk` to grpc-js, which reads
 * `https://h:1` as a DNS name and never connects), so an agent that wants
 * to be dialled advertises `host:port`. Anything else is `undefined`: no
 * scheme, path, user info or resolver prefix, a port in 1-65535, and a host
 * that the WHATWG URL parser keeps as written (so `0x7f.1` or `1.2.3`,
 * which resolvers read as other addresses, are refused rather than guessed).
 *
 * @example
 * parseGrpcTarget('agents.example.com:50051'); // { host: 'agents.example.com', port: 50051 }
 * parseGrpcTarget('https://agents.example.com'); // undefined
 */
export function parseGrpcTarget(value: string): GrpcTarget | undefined {
  const match = SHAPE.exec(value);
  if (match === null || match[1]!.includes('..')) return undefined;
  const host = match[1]!.toLowerCase();
  const port = Number(match[2]);
  if (port > 65_535) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(`http://${host}/`);
  } catch {
    return undefined;
  }
  if (parsed.hostname !== host) return undefined;
  return { host, port };
}

/** An http URL naming the same host and port as `target`, for checks that take URLs (the SSRF guard). */
export function grpcTargetOrigin(target: GrpcTarget): string {
  return `http://${target.host}:${target.port}/`;
}
