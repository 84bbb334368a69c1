import type { AgentRecord } from '../../contracts/registry/index.js';

/**
 * Where the agent's card says it is: the URL it was fetched from, else its
 * first JSON-RPC interface, else its first HTTP one (never a gRPC target,
 * which is no URL). Undefined when none parses as an http(s) URL.
 */
export function cardLocation(record: Pick<AgentRecord, 'card' | 'cardUrl'>): URL | undefined {
  const interfaces = record.card.supportedInterfaces ?? [];
  const primary = interfaces.find((i) => i.protocolBinding === 'JSONRPC') ?? interfaces.find((i) => i.protocolBinding.toUpperCase() !== 'GRPC');
  const text = record.cardUrl ?? primary?.url;
  if (text === undefined || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}
