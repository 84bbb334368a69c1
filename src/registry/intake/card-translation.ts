import { AgentCard } from '@a2a-js/sdk';
import { parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { ErrorCodes, violationError, isRecord } from '../../protocol/index.js';
import { agentCardViolations } from './card-validation.js';

/**
 * A valid v0.3 card as v1.0, by the SDK's own translator (the one its client
 * uses on v0.3 cards): `url` + `preferredTransport` + `additionalInterfaces`
 * become `supportedInterfaces` stamped with the card's protocol version, the
 * extended-card flag moves into `capabilities`, security schemes and
 * requirements are re-wrapped; skills, provider, capabilities and signatures
 * are carried over. One loss: v1.0 allows one OAuth flow per scheme, so of
 * several v0.3 flows the first (authorizationCode, clientCredentials,
 * implicit, password) is kept.
 *
 * The result is validated again as v1.0: what the v0.3 rules allow and v1.0
 * refuses is reported in v1.0 field names.
 */
export function translateLegacyCard(raw: Record<string, unknown>): AgentCard {
  let card: AgentCard;
  try {
    card = parseLegacyAgentCard(raw);
  } catch (err) {
    // The SDK throws on shapes our v0.3 schema should already have refused; say what it found.
    const reason = err instanceof Error ? err.message : String(err);
    throw violationError(ErrorCodes.REGISTRY_CARD_INVALID, 'The v0.3 agent card', [{ field: '(root)', description: `cannot be translated to v1.0: ${reason}` }]);
  }
  const json = AgentCard.toJSON(card);
  const violations = agentCardViolations(isRecord(json) ? json : {});
  if (violations.length > 0) throw violationError(ErrorCodes.REGISTRY_CARD_INVALID, 'The v0.3 agent card, translated to v1.0,', violations);
  return card;
}
