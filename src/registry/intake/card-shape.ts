import { isLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';

/** How a submitted card is read. */
export interface CardShape {
  /** Read with the v0.3 rules and translated: the card has no v1.0 `supportedInterfaces`. */
  legacy: boolean;
  /** The protocol version the card declared, as the record keeps it (`AgentRecord.sourceProtocol`). */
  sourceProtocol: '1.0' | '0.3';
}

/** Top-level fields only a v0.3 card has. */
const LEGACY_ONLY_FIELDS = ['preferredTransport', 'additionalInterfaces', 'supportsAuthenticatedExtendedCard'] as const;

/**
 * Tells a v1.0 card from a v0.3 one with the SDK's own heuristic
 * (`isLegacyAgentCard`): a card with v1.0 `supportedInterfaces` is read as
 * v1.0 even when it also carries the v0.3 fields, because that v1.0 part is
 * exact where translating the v0.3 part loses detail. Such a "superset" card
 * (what v0.3 clients get from the SDK's card endpoint) still counts as a
 * v0.3 submission.
 */
export function detectCardShape(raw: Record<string, unknown>): CardShape {
  if (isLegacyAgentCard(raw)) return { legacy: true, sourceProtocol: '0.3' };
  const declaresLegacy =
    LEGACY_ONLY_FIELDS.some((field) => field in raw) || (typeof raw['protocolVersion'] === 'string' && raw['protocolVersion'].trim().startsWith('0.'));
  return { legacy: false, sourceProtocol: declaresLegacy ? '0.3' : '1.0' };
}
