import { AgentmeshError, ErrorCodes } from './errors.js';

/** Protocol versions the runtime serves. */
export type ProtocolVersion = '1.0' | '0.3';

/**
 * Picks the protocol version of a request from the `A2A-Version` header or
 * query parameter (A2A §3.6.2). Absent means 0.3, as the spec requires for
 * clients that predate the header. `1`, `1.0`, `1.0.1` all mean 1.0.
 */
export function negotiateVersion(requested: string | undefined): ProtocolVersion {
  if (requested === undefined || requested.trim() === '') return '0.3';
  const v = requested.trim();
  if (/^1(\.0(\.\d+)?)?$/.test(v)) return '1.0';
  if (/^0\.3(\.\d+)?$/.test(v)) return '0.3';
  throw new AgentmeshError(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, `A2A version '${v.slice(0, 32)}' is not supported; supported versions: 1.0, 0.3`, {
    details: { requestedVersion: v.slice(0, 32), supportedVersions: '1.0,0.3' },
  });
}
