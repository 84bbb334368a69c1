import { createHash } from 'node:crypto';
import { AgentCard } from '@a2a-js/sdk';
import { gatewaySecurity } from './card-security.js';
import type { AgentRecord } from './registry-types.js';
import { isRecord, RETRY_ONLY_EXTENSION_URI } from '../../protocol/index.js';

/**
 * URI of the AgentExtension that carries the agent's own card, signatures
 * included, inside the card the gateway serves.
 *
 * Why an extension: a card rewritten to point at the gateway no longer
 * matches what the agent signed, so its signatures cannot stay in
 * `signatures` (A2A §8.4.3 verifiers would try them and fail; the SDK's
 * `verifyAgentCardSignature` only needs one to pass, but a stricter one
 * may reject the card). The gateway signs the rewritten card instead; the
 * original goes into `capabilities.extensions[].params`, a
 * `google.protobuf.Struct` that survives the SDK's canonical form
 * (`AgentCard.fromJSON`/`toJSON`), so the gateway's signature covers it too.
 * A client verifies the gateway's signature over the served card, then the
 * agent's signature over `params.card` with the SDK's verifier as is, and
 * compares what it cares about (name, skills, security). A top-level field
 * such as `agentmesh:originalCard` would not work: the canonical form drops
 * unknown fields, so the gateway's signature would not cover it. A Link
 * header would: but it is lost as soon as the card is stored or relayed.
 */
export const ORIGINAL_CARD_EXTENSION_URI = 'https://agentmesh.dev/extensions/original-card/v1';

/**
 * URI of the approvals extension (ADR 0037): declared on the card of an
 * agent an approval rule may gate, so a client knows a call may come back
 * as a gated task in `AUTH_REQUIRED` with `metadata["agentmesh.approval"]`.
 */
export const APPROVAL_EXTENSION_URI = 'https://agentmesh.dev/extensions/approvals/v1';

/**
 * The URIs an agent's own extension is dropped under on a served card: those
 * only the gateway writes, and the runtime's declaration that it reads the
 * retry-only claim (ADR 0046, third addendum), which concerns the gateway
 * and the agent, not a client.
 */
const GATEWAY_EXTENSION_URIS: ReadonlySet<string> = new Set([ORIGINAL_CARD_EXTENSION_URI, APPROVAL_EXTENSION_URI, RETRY_ONLY_EXTENSION_URI]);

/** An AgentExtension the gateway declares on a served card (A2A §4.4.4). */
export interface GatewayExtension {
  uri: string;
  description: string;
  required: boolean;
  params?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/**
 * The bindings the gateway proxies. It does not proxy gRPC (yet): an agent's
 * GRPC interface is its direct address, which would skip the gateway's
 * authentication, credits and audit, so the served card leaves it out
 * (docs/gateway.md).
 */
export const PROXIED_BINDINGS: ReadonlySet<string> = new Set(['JSONRPC', 'HTTP+JSON']);

/**
 * The card as the gateway serves it (A2A v1.0 JSON), before the gateway
 * signs it: every interface URL (each protocol version's, each binding the
 * gateway proxies: {@link PROXIED_BINDINGS}; the others are dropped)
 * points at `${gatewayBaseUrl}/agents/{name}`, the agent's own signatures
 * move into the {@link ORIGINAL_CARD_EXTENSION_URI} extension with the card
 * they sign, and the security schemes and requirements are the gateway's
 * (card-security.ts): the card says how to authenticate to the gateway.
 *
 * An interface URL under one of the instances' base URLs keeps its suffix
 * (`https://pod-1/a2a/json` with instance `https://pod-1` becomes
 * `…/agents/{name}/a2a/json`), since the router forwards `/agents/{name}/x`
 * to `{instance}/x`; any other URL (a card registered by hand) becomes the
 * gateway URL itself.
 */
export function rewriteCard(record: AgentRecord, instanceUrls: readonly string[], gatewayBaseUrl: string, gatewayExtensions: readonly GatewayExtension[] = []): Json {
  const json = AgentCard.toJSON(record.card);
  const original: Json = isRecord(json) ? json : {};
  const gatewayUrl = `${gatewayBaseUrl.replace(/\/+$/, '')}/agents/${encodeURIComponent(record.name)}`;
  const bases = [...new Set(instanceUrls.map((u) => u.replace(/\/+$/, '')))].sort((a, b) => b.length - a.length);
  const rewrite = (url: unknown): string => {
    if (typeof url !== 'string') return gatewayUrl;
    const base = bases.find((b) => url === b || url.startsWith(`${b}/`));
    return base === undefined ? gatewayUrl : `${gatewayUrl}${url.slice(base.length)}`.replace(/\/+$/, '') || gatewayUrl;
  };
  const interfaces = recordsOf(original['supportedInterfaces']);
  const capabilities = isRecord(original['capabilities']) ? original['capabilities'] : {};
  // An extension under one of the gateway's URIs that the agent wrote itself would pass for the gateway's word: dropped.
  const extensions = recordsOf(capabilities['extensions']).filter((e) => typeof e['uri'] !== 'string' || !GATEWAY_EXTENSION_URIS.has(e['uri']));
  for (const e of gatewayExtensions) extensions.push({ ...e });
  const signatures = Array.isArray(original['signatures']) ? original['signatures'] : [];
  if (signatures.length > 0) {
    extensions.push({
      uri: ORIGINAL_CARD_EXTENSION_URI,
      description: "The agent's own card as it published it, with its signatures (A2A §8.4): verify them over params.card.",
      required: false,
      params: { card: original, ...(record.cardUrl !== undefined && { cardUrl: record.cardUrl }) },
    });
  }
  const { signatures: _dropped, securitySchemes: _schemes, securityRequirements: _requirements, ...unsigned } = original;
  const security = gatewaySecurity(record, gatewayBaseUrl);
  const skills = recordsOf(original['skills']);
  // In the SDK's JSON form, as the rest of the card (empty lists dropped): what is served is what the canonical form reads.
  const served = AgentCard.toJSON(AgentCard.fromJSON({
    ...unsigned,
    supportedInterfaces: record.bridge !== undefined ? bridgedInterfaces(gatewayUrl) : interfaces.filter((i) => PROXIED_BINDINGS.has(String(i['protocolBinding']).toUpperCase())).map((i) => ({ ...i, url: rewrite(i['url']) })),
    capabilities: { ...capabilities, extensions },
    securitySchemes: security.securitySchemes,
    securityRequirements: security.securityRequirements,
    // A skill's own requirements name the agent's schemes, which this card does not declare: replaced by the gateway's, where it has any.
    skills: skills.map(({ securityRequirements: _own, ...skill }) => {
      const required = security.skillRequirements.get(skill['id'] as string);
      return required === undefined ? skill : { ...skill, securityRequirements: required };
    }),
  }));
  return isRecord(served) ? served : {};
}

/** The objects of a JSON list (anything else in it dropped), or none when it is no list. */
function recordsOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/**
 * A bridged agent (ACP, docs/acp.md) is called through the gateway's bridge:
 * its card offers the gateway's A2A 1.0 bindings and the v0.3 JSON-RPC
 * binding (what the v0.3 card shape is made from) at the gateway URL, never
 * the agent's own ACP address (which would skip the gateway's policy).
 */
function bridgedInterfaces(gatewayUrl: string): Json[] {
  return [
    { url: gatewayUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url: gatewayUrl, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    { url: gatewayUrl, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
  ];
}

/** The served card's JSON text and ETag (a hash of the text, A2A §8.6.1). */
export function servedCard(card: unknown): { json: string; etag: string } {
  const json = JSON.stringify(card);
  return { json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` };
}
