/**
 * The protocol versions and bindings a test's client speaks, for tests that
 * pin one behaviour on every wire: written once, so each test names which
 * bindings it covers rather than spelling out the matrix again.
 */
import type { Binding } from '../../src/cli/index.js';
import type { ProtocolVersion } from '../../src/protocol/index.js';

/** One protocol version over one binding. */
export interface WireCombination {
  protocol: ProtocolVersion;
  binding: Binding;
}

/** Every protocol version (1.0, then 0.3) over each of `bindings`, in that order. */
export function wireCombinations(bindings: readonly Binding[]): WireCombination[] {
  const protocols: readonly ProtocolVersion[] = ['1.0', '0.3'];
  return protocols.flatMap((protocol) => bindings.map((binding) => ({ protocol, binding })));
}

/** The two HTTP bindings, JSON-RPC and HTTP+JSON, in both protocol versions. */
export const HTTP_COMBINATIONS: readonly WireCombination[] = wireCombinations(['jsonrpc', 'rest']);

/** Every binding, gRPC too, in both protocol versions. */
export const EVERY_COMBINATION: readonly WireCombination[] = wireCombinations(['jsonrpc', 'rest', 'grpc']);
