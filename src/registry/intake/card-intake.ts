import { AgentCard } from '@a2a-js/sdk';
import { ErrorCodes, violationError } from '../../protocol/index.js';
import { admitAcpAgents, type AdmittedAcpAgent } from './acp-intake.js';
import type { AdmittedCard } from './admitted-card.js';
import { fetchAgentCard, parseCardUrl } from './card-fetch.js';
import { resolveCardIntakeOptions, type CardIntakeOptions, type ResolvedCardIntakeOptions } from './card-intake-options.js';
import { detectCardShape } from './card-shape.js';
import { unsignedCardError, verifyCardSignatures } from './card-signatures.js';
import { translateLegacyCard } from './card-translation.js';
import { agentCardViolations, legacyAgentCardViolations } from './card-validation.js';
import { createKeyResolver, createKeySetCache, type KeySetCache } from './signature-keys.js';

/** Admits agent cards into the registry: fetch, validate, translate, verify. */
export interface CardIntake {
  /** Fetches the card at `url` (or at its well-known path) through the SSRF guard, then admits it. */
  fromUrl(url: string): Promise<AdmittedCard>;
  /** Admits a card submitted as JSON (v1.0 or v0.3). `cardUrl`, when given, is kept with it. */
  fromJson(raw: unknown, cardUrl?: string): Promise<AdmittedCard>;
  /**
   * Reads the agents of the ACP server at `url` (`/agents`, `/agents/{name}`)
   * through the SSRF guard, checks their manifests against the ACP document
   * and derives a card from each (`acp-intake.ts`); `only` takes one agent.
   */
  fromAcp(url: string, only?: string): Promise<AdmittedAcpAgent[]>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The admission steps, in order: a JSON object; every shape problem at once
 * (in the field names of the version submitted); v0.3 translated to v1.0;
 * signatures verified over the card as submitted, or refused when absent and
 * required.
 */
async function admit(raw: unknown, cardUrl: string | undefined, options: ResolvedCardIntakeOptions, keySets: KeySetCache): Promise<AdmittedCard> {
  if (!isObject(raw)) throw violationError(ErrorCodes.REGISTRY_CARD_INVALID, 'The agent card', [{ field: '(root)', description: 'must be a JSON object' }]);
  const shape = detectCardShape(raw);
  const violations = shape.legacy ? legacyAgentCardViolations(raw) : agentCardViolations(raw);
  if (violations.length > 0) throw violationError(ErrorCodes.REGISTRY_CARD_INVALID, shape.legacy ? 'The v0.3 agent card' : 'The agent card', violations);
  const card = shape.legacy ? translateLegacyCard(raw) : AgentCard.fromJSON(raw);
  const hasSignatures = Array.isArray(raw['signatures']) && raw['signatures'].length > 0;
  if (hasSignatures) {
    const resolveKey = createKeyResolver({ trustedKeys: options.trustedKeys, keySets });
    await verifyCardSignatures(raw, { legacy: shape.legacy, resolveKey });
  } else if (options.requireSignature) {
    throw unsignedCardError();
  }
  // Reaching here with signatures means one verified.
  return { card, sourceProtocol: shape.sourceProtocol, signed: hasSignatures, ...(cardUrl !== undefined && { cardUrl }) };
}

/**
 * Creates the registry's card intake. Options are checked here (a bad one
 * throws AM_ERR_CONFIG_INVALID naming it). Admission errors:
 * AM_ERR_REGISTRY_CARD_INVALID with one violation per problem,
 * AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID with the reason per signature,
 * AM_ERR_SSRF_BLOCKED, AM_ERR_HTTP_UPSTREAM_FAILED,
 * AM_ERR_HTTP_UPSTREAM_TOO_LARGE, AM_ERR_REGISTRY_INVALID_ARGUMENT (a
 * malformed card URL).
 *
 * @example
 * import { createSsrfGuard } from '../http/index.js';
 * import { createCardIntake } from './intake/index.js';
 * const intake = createCardIntake({ ssrfGuard: createSsrfGuard({ allowHosts: ['agents.internal'] }) });
 * const { card, signed, sourceProtocol, cardUrl } = await intake.fromUrl('https://agents.internal/agents/sales');
 */
export function createCardIntake(options: CardIntakeOptions): CardIntake {
  const resolved = resolveCardIntakeOptions(options);
  // One per intake: the cards of one host, signed with one key set, share its fetch.
  const keySets = createKeySetCache({ guard: resolved.guard, timeoutMs: resolved.fetchTimeoutMs, bounds: resolved.keySetCache, clock: resolved.clock });
  return Object.freeze({
    async fromUrl(url: string): Promise<AdmittedCard> {
      const fetched = await fetchAgentCard(url, { guard: resolved.guard, timeoutMs: resolved.fetchTimeoutMs, maxBytes: resolved.maxCardBytes });
      return admit(fetched.raw, fetched.url, resolved, keySets);
    },
    async fromJson(raw: unknown, cardUrl?: string): Promise<AdmittedCard> {
      if (cardUrl !== undefined) parseCardUrl(cardUrl);
      return admit(raw, cardUrl, resolved, keySets);
    },
    async fromAcp(url: string, only?: string): Promise<AdmittedAcpAgent[]> {
      return admitAcpAgents(url, { guard: resolved.guard, timeoutMs: resolved.fetchTimeoutMs, maxBytes: resolved.maxCardBytes, only });
    },
  });
}
