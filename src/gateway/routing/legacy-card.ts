import canonicalize from 'canonicalize';
import { AgentCard, type StreamResponse } from '@a2a-js/sdk';
import { LegacyRestTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { ServerCallContext, type A2ARequestHandler } from '@a2a-js/sdk/server';
import { Errors, isRecord } from '../../protocol/index.js';

type Json = Record<string, unknown>;

/**
 * The v0.3 shape of a v1.0 card (A2A §3.6.2: a request without
 * `A2A-Version` is a v0.3 client's): `url` + `preferredTransport` +
 * `additionalInterfaces` from the v0.3 interfaces, `protocolVersion` at
 * card level, `securitySchemes` as OpenAPI objects (`type: 'oauth2'`, …),
 * `security` as `{ scheme: scopes[] }`, and, like the runtime's card (the
 * SDK's `legacyAgentCardRouter`, `embedV1Interfaces`), the v1.0
 * `supportedInterfaces` too.
 *
 * The translation is the SDK's own `toCompatAgentCard`, private to it but
 * reachable through `LegacyRestTransportHandler.getAuthenticatedExtendedAgentCard`,
 * which hands the card its request handler returns to that translator: we
 * reuse it rather than rewrite it (the runtime does the same through the
 * SDK's Express card router).
 *
 * Throws AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED when the card has no v0.3
 * interface (a card registered by hand for v1.0 only).
 */
export async function toLegacyCard(v1: Json): Promise<Json> {
  const handler = new CardOnlyHandler(AgentCard.fromJSON(v1));
  let legacy: object;
  try {
    legacy = await new LegacyRestTransportHandler(handler).getAuthenticatedExtendedAgentCard(new ServerCallContext({ tenant: '' }));
  } catch (err) {
    // The translator's own refusal (no interface in [0.3, 1.0)), as the SDK's card router answers it: 400.
    if (!(err instanceof Error) || err.name !== 'VersionNotSupportedError') throw err;
    throw Errors.cardNeedsVersion1({}, {
      details: { requestedVersion: '0.3', supportedVersions: '1.0' },
      cause: err,
    });
  }
  const interfaces = Array.isArray(v1['supportedInterfaces']) ? v1['supportedInterfaces'] : [];
  // A JSON round trip: the translator shares objects with the SDK card (extension params), and the result is signed and hashed as text.
  const copy: unknown = JSON.parse(JSON.stringify({ ...legacy, supportedInterfaces: interfaces }));
  return isRecord(copy) ? copy : {};
}

/**
 * A request handler that has a card and nothing else: the translator asks it
 * for the card only. Any other call is a bug here, and says so.
 */
class CardOnlyHandler implements A2ARequestHandler {
  readonly #card: AgentCard;
  constructor(card: AgentCard) {
    this.#card = card;
  }
  async getAgentCard(): Promise<AgentCard> {
    return this.#card;
  }
  async getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    return this.#card;
  }
  sendMessage = cardOnly;
  getTask = cardOnly;
  cancelTask = cardOnly;
  listTasks = cardOnly;
  createTaskPushNotificationConfig = cardOnly;
  getTaskPushNotificationConfig = cardOnly;
  listTaskPushNotificationConfigs = cardOnly;
  deleteTaskPushNotificationConfig = cardOnly;
  // eslint-disable-next-line require-yield
  async *sendMessageStream(): AsyncGenerator<StreamResponse, void, undefined> {
    return cardOnly();
  }
  // eslint-disable-next-line require-yield
  async *resubscribe(): AsyncGenerator<StreamResponse, void, undefined> {
    return cardOnly();
  }
}

async function cardOnly(): Promise<never> {
  throw new Error('the card translator called its request handler for more than the card');
}

/** Drops empty strings, nulls, empty arrays and empty objects, recursively (what v0.3 signers omitted). */
function withoutEmpty(value: unknown, depth = 0): unknown {
  // A card is a few levels deep; extension params are the agent's JSON, bounded here before recursing.
  if (depth > 64) throw Errors.legacyCardTooDeep({});
  if (value === '' || value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item) => withoutEmpty(item, depth + 1)).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([key, item]) => [key, withoutEmpty(item, depth + 1)] as const)
      .filter(([, item]) => item !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

/**
 * The bytes a v0.3 verifier checks a card's signatures over: the card as
 * served without `signatures`, empty values removed, serialized by RFC 8785
 * (JCS), as the v0.3-era a2a-js signer canonicalized and as the registry
 * verifies v0.3 cards (registry/intake/legacy-canonical-form.ts). Unlike the
 * SDK's v1.0 form it keeps every field, `url` and the OpenAPI-shaped
 * `securitySchemes` included.
 *
 * @example
 * const jws = await new FlattenedSign(new TextEncoder().encode(legacyCanonicalForm(card))).setProtectedHeader(header).sign(key);
 */
export function legacyCanonicalForm(card: Json): string {
  const { signatures: _signatures, ...unsigned } = card;
  return canonicalize(withoutEmpty(unsigned) ?? {}) ?? '{}';
}

/**
 * A card in the v0.3 shape: card-level `url` and `protocolVersion`, which a v1.0 card never has.
 *
 * @example
 * if (isLegacyShape(card)) signatures.push(await signLegacy(card));
 */
export function isLegacyShape(card: Json): boolean {
  return typeof card['url'] === 'string' && typeof card['protocolVersion'] === 'string';
}
