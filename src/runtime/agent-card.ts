import { createHash } from 'node:crypto';
import { AgentCard, generateAgentCardSignature } from '@a2a-js/sdk';
import { duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';
import type { AgentDefinition } from '../contracts/agent/index.js';
import { isRecord, RETRY_ONLY_EXTENSION_URI, signCardJson } from '../protocol/index.js';

/** A key that signs cards (JWS, A2A §8.4). */
export interface CardSigningKey {
  kid: string;
  alg: string;
  privateKey: Parameters<typeof generateAgentCardSignature>[0];
  /** Where verifiers fetch the public key (the runtime's JWKS). */
  jku?: string;
}

/** A card ready to serve: the SDK object, its JSON text and an ETag. */
export interface ServedCard {
  card: AgentCard;
  json: string;
  etag: string;
}

/**
 * The public card of an agent: the author's fields, plus interfaces at
 * `baseUrl` for JSON-RPC and HTTP+JSON and, with `grpcUrl`, gRPC (each in
 * 1.0 and 0.3), capabilities and
 * skills from the definition. Signed over its RFC 8785 canonical form when a
 * key is given (the SDK's signer, so the SDK's verifier accepts it).
 */
export async function buildAgentCard(agent: AgentDefinition, options: { baseUrl: string; grpcUrl?: string | undefined; signingKey?: CardSigningKey | undefined; extended?: boolean }): Promise<ServedCard> {
  const input = agent.card;
  const extras = options.extended ? (agent.extendedCard ?? {}) : {};
  const interfaces = duplicateInterfacesForLegacy(
    [
      { url: options.baseUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' },
      { url: options.baseUrl, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0', tenant: '' },
      // gRPC last: clients that take the first interface keep JSON-RPC. Its url is a gRPC target (host:port).
      ...(options.grpcUrl !== undefined ? [{ url: options.grpcUrl, protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: '' }] : []),
    ],
    // v0.3 is served on every binding: JSON-RPC at `/`, HTTP+JSON under `/v1/` (transports/legacy-rest.ts), gRPC as `a2a.v1.A2AService`.
    ['JSONRPC', 'HTTP+JSON', 'GRPC'],
  );
  const base = AgentCard.toJSON(AgentCard.fromJSON({ ...input, skills: [] }));
  let card: AgentCard = AgentCard.fromJSON({
    ...(isRecord(base) && base),
    ...extras,
    name: input.name,
    description: input.description,
    version: input.version ?? '1.0.0',
    supportedInterfaces: interfaces,
    capabilities: {
      streaming: true,
      pushNotifications: true,
      extendedAgentCard: agent.extendedCard !== undefined,
      ...(input.capabilities ?? {}),
      extensions: withRetryOnlyExtension(input.capabilities?.extensions),
    },
    defaultInputModes: input.defaultInputModes?.length ? input.defaultInputModes : ['text/plain', 'application/json'],
    defaultOutputModes: input.defaultOutputModes?.length ? input.defaultOutputModes : ['text/plain', 'application/json'],
    skills: [...agent.skills.values()].map((s) => s.card),
  });
  if (options.signingKey) {
    const key = options.signingKey;
    const sign = generateAgentCardSignature(key.privateKey, { alg: key.alg, kid: key.kid, typ: 'JOSE', ...(key.jku ? { jku: key.jku } : {}) });
    // Signed over the card's JSON form, the form it is served in: the SDK object
    // holds oneofs (security schemes, OAuth flows) as { $case, value }, which
    // its canonicalizer drops, so a signature over it would not cover them.
    const unsigned = AgentCard.toJSON(card);
    card = AgentCard.fromJSON(await signCardJson(sign, isRecord(unsigned) ? unsigned : {}));
  }
  const json = JSON.stringify(AgentCard.toJSON(card));
  return { card, json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` };
}

/**
 * The card's extensions, with the declaration that this runtime reads the
 * gateway's retry-only claim: the gateway sends that claim only to agents
 * whose card declares it (ADR 0046, third addendum), and leaves it off the
 * card it serves.
 */
function withRetryOnlyExtension<T extends { uri?: string }>(extensions: readonly T[] | undefined): Array<T | { uri: string; description: string; required: boolean }> {
  const declared = { uri: RETRY_ONLY_EXTENSION_URI, description: 'Answers a call the gateway marks retry-only with the task its messageId started, or refuses it as short of credit', required: false };
  return [...(extensions ?? []).filter((e) => e.uri !== RETRY_ONLY_EXTENSION_URI), declared];
}
