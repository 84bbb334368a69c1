import type { AgentCard } from '@a2a-js/sdk';
import { hashInput } from '../../audit/index.js';
import { cardToJson, type AgentMetadata, type AgentRecord, type CardChange } from '../../contracts/registry/index.js';
import { isRecord } from '../../protocol/index.js';
import { diffDocuments, pointerTokens } from './card-diff.js';

/** When card changes wait for a reviewer (the registry's `review` setting). */
export interface ReviewSettings {
  /** Every agent's. */
  required: boolean;
  /** The agents these tenants can call (those that list one of them in `metadata.tenants`, and those open to every tenant). */
  tenants: readonly string[];
}

/**
 * The metadata that changes how the gateway treats a call (prices, scopes,
 * input schemas, rate limits, who may call, PII handling, concurrency): a
 * change of it is held like a change of the card. The rest (department,
 * owner, maintainers, cost center, SLA, regions, docs, tags, config schema,
 * the ownership claim) describes the agent and applies at once.
 */
export const GOVERNED_METADATA: ReadonlySet<string> = new Set(['skills', 'requiredScopes', 'rateLimit', 'tenants', 'tenantAware', 'pii', 'maxConcurrentTasks']);

/** Does a change of this agent wait for a reviewer: by the platform's setting, or a tenant's that can call it (before or after the change). */
export function reviewApplies(settings: ReviewSettings, current: AgentMetadata, proposed: AgentMetadata): boolean {
  if (settings.required) return true;
  if (settings.tenants.length === 0) return false;
  const wanted = new Set(settings.tenants.map((t) => t.toLowerCase()));
  // An agent that names no tenants serves every tenant, those that want reviews among them.
  const reaches = (m: AgentMetadata) => m.tenants === undefined || m.tenants.length === 0 || m.tenants.some((t) => wanted.has(t.toLowerCase()));
  return reaches(current) || reaches(proposed);
}

/** A change a reviewer must see before it is served: any of the card (its signatures aside) or of the governed metadata. */
export function isHeldChange(change: CardChange): boolean {
  const [doc, field] = pointerTokens(change.path);
  if (doc === 'card') return true;
  return doc === 'metadata' && (field === undefined || GOVERNED_METADATA.has(field));
}

/**
 * What a reviewer compares: the card as A2A JSON without its signatures (a
 * card signed again is the same card) and the metadata.
 */
export function reviewDocument(card: AgentCard, metadata: AgentMetadata): { card: Record<string, unknown>; metadata: AgentMetadata } {
  const json = cardToJson(card);
  const { signatures: _signatures, ...rest } = isRecord(json) ? json : {};
  return { card: rest, metadata };
}

/** Every difference between the approved record and the proposal. */
export function reviewChanges(current: AgentRecord, card: AgentCard, metadata: AgentMetadata): CardChange[] {
  return diffDocuments(reviewDocument(current.card, current.metadata), reviewDocument(card, metadata));
}

/** SHA-256 of a proposal's document and card URL: the same change submitted again (a runtime restarting) is the same review. */
export function proposalDigest(card: AgentCard, metadata: AgentMetadata, cardUrl: string | undefined): string {
  return hashInput({ ...reviewDocument(card, metadata), cardUrl: cardUrl ?? null });
}

/** SHA-256 of a card's JSON: approving a change held against another card than the record's is refused. */
export function cardDigest(card: AgentCard): string {
  return hashInput(cardToJson(card));
}
