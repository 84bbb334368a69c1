import { AgentCard } from '@a2a-js/sdk';
import type { AuditLog } from '../../audit/index.js';
import type { Logger } from '../../observability/index.js';
import { Errors, isRecord } from '../../protocol/index.js';
import type { AgentRecord, CardReview, RegistryChange, ReviewState } from '../../contracts/registry/index.js';
import { validateAgentMetadata } from '../intake/index.js';
import { mergePatch } from '../merge-patch.js';
import { ownershipAfterWrite } from '../ownership/ownership-state.js';
import type { RegistryCaller } from '../routes/write-auth.js';
import type { StoredReview } from '../store/review-rows.js';
import { agentNotFound, type AgentOutcome, type NewInstance, type RegistryStore } from '../store/registry-store.js';
import { REVIEW_EVENTS, appendAudit, auditActor } from './review-audit.js';
import { summarizeChanges } from './change-summary.js';
import { cardDigest } from './review-gate.js';

/** What the desk needs of the rest of the registry. */
export interface ReviewDeskOptions {
  store: RegistryStore;
  /** Applies the changes a decision wrote to this replica, announces them, and starts the ownership check an approved card calls for. */
  applyChanges: (changes: RegistryChange[]) => void;
  /** The static instance of an approved card's endpoint (a card registered by URL), checked as a registration's. */
  staticInstance: (url: string) => Promise<NewInstance>;
  /** The endpoint a card names (its first JSON-RPC interface, else HTTP). */
  endpointOf: (card: AgentCard) => string | undefined;
  audit: AuditLog | undefined;
  logger: Logger;
}

/** A reviewer's decision. */
export interface Decision {
  caller: RegistryCaller | undefined;
  reason?: string | undefined;
  onBehalfOf?: string | undefined;
}

/**
 * The reviewers' side of review holds (docs/registry.md#review-holds):
 * the held changes, and their approval or rejection. An approval writes the
 * proposal into the record (the card as proposed, the metadata the approved
 * one with the proposal's changes applied, so descriptive metadata changed
 * meanwhile stays), logged as `updated` then `review_decided`: the watch
 * stream carries the new card to every gateway. A rejection only clears the
 * record's pointer (`review_decided`). Either is recorded in the audit trail
 * once committed, with the reviewer and whom it acted for.
 */
export class ReviewDesk {
  readonly #o: ReviewDeskOptions;

  constructor(options: ReviewDeskOptions) {
    this.#o = options;
  }

  async list(query: { state?: ReviewState | undefined; agent?: string | undefined; limit?: number | undefined }): Promise<CardReview[]> {
    const reviews = await this.#o.store.listReviews({ state: query.state ?? 'pending', agent: query.agent, limit: query.limit ?? 100 });
    return reviews.map(toCardReview);
  }

  async get(id: string): Promise<CardReview> {
    const review = await this.#o.store.getReview(id);
    if (review === undefined) throw Errors.registryReviewNotFound({ id });
    return toCardReview(review);
  }

  async approve(id: string, decision: Decision): Promise<CardReview> {
    const held = await this.#o.store.getReview(id);
    if (held === undefined) throw Errors.registryReviewNotFound({ id });
    const card = AgentCard.fromJSON(held.proposal.card);
    // A card fetched by URL is probed at its endpoint, as a registration's would be: added with the record, not before.
    const endpoint = held.proposal.cardUrl !== undefined ? this.#o.endpointOf(card) : undefined;
    const instance = endpoint === undefined ? undefined : await this.#o.staticInstance(endpoint);
    const { review, changes } = await this.#o.store.decideReview(
      id,
      (stored, current, now) => {
        const record = pendingRecordOf(stored, current);
        if (cardDigest(record.card) !== stored.baseCardDigest) throw Errors.registryReviewStale({ id, agent: stored.agent });
        const metadata = validateAgentMetadata(mergePatch(record.metadata, stored.proposal.metadataPatch), card);
        const { review: _review, bridge: _bridge, cardUrl: _cardUrl, ownership: _ownership, ...kept } = record;
        const at = new Date(now).toISOString();
        const next: AgentRecord = {
          ...kept,
          card,
          ...(stored.proposal.cardUrl !== undefined && { cardUrl: stored.proposal.cardUrl }),
          sourceProtocol: stored.proposal.sourceProtocol,
          signed: stored.proposal.signed,
          ...(stored.proposal.bridge !== undefined && { bridge: stored.proposal.bridge }),
          metadata,
          revision: record.revision + 1,
          updatedAt: at,
        };
        const { ownership, checkAt } = ownershipAfterWrite(record, next, now);
        const agent: AgentOutcome = {
          record: { ...next, ...(ownership !== undefined && { ownership }) },
          kind: 'updated',
          detail: { review: id, decision: 'approved' },
          ...(checkAt !== undefined && { ownershipCheckAt: checkAt }),
        };
        return { outcome: { state: 'approved', decidedBy: decision.caller?.subject, onBehalfOf: decision.onBehalfOf, reason: decision.reason }, agent };
      },
      { instance },
    );
    return this.#decided(review, changes, decision);
  }

  async reject(id: string, decision: Decision): Promise<CardReview> {
    if (decision.reason === undefined) throw Errors.registryReviewNeedsReason({});
    const { review, changes } = await this.#o.store.decideReview(id, (stored, current, now) => {
      const record = pendingRecordOf(stored, current);
      const { review: _review, ...kept } = record;
      const at = new Date(now).toISOString();
      return {
        outcome: { state: 'rejected', decidedBy: decision.caller?.subject, onBehalfOf: decision.onBehalfOf, reason: decision.reason },
        agent: { record: { ...kept, revision: record.revision + 1, updatedAt: at }, kind: 'review_decided', detail: { review: id, decision: 'rejected' } },
      };
    });
    return this.#decided(review, changes, decision);
  }

  async #decided(review: StoredReview, changes: RegistryChange[], decision: Decision): Promise<CardReview> {
    this.#o.applyChanges(changes);
    const entry = {
      eventType: review.state === 'approved' ? REVIEW_EVENTS.approved : REVIEW_EVENTS.rejected,
      actor: auditActor(decision.caller),
      ...(decision.caller?.tenant !== undefined && { tenant: decision.caller.tenant }),
      targetAgent: review.agent,
      outcome: 'ok' as const,
      detail: { review: review.id, changes: review.changes.length, ...(review.reason !== undefined && { reason: review.reason }), ...(review.onBehalfOf !== undefined && { onBehalfOf: review.onBehalfOf }) },
    };
    // Recorded before the reviewer is answered; the decision stands (it committed) if the trail cannot take it now.
    if (this.#o.audit !== undefined) await this.#o.audit.record(entry).catch((err: unknown) => this.#o.logger.error({ err, review: review.id }, 'a review decision committed but its audit entry did not; it stays queued and is retried'));
    this.#o.logger.info({ agent: review.agent, review: review.id, decision: review.state, by: review.decidedBy, onBehalfOf: review.onBehalfOf }, 'card review decided');
    return toCardReview(review);
  }

  /** Records a refused attempt to decide (no token, or one without the reviewer's scope) as a security event. */
  denied(id: string, caller: RegistryCaller | undefined, code: string): void {
    appendAudit(this.#o.audit, { eventType: 'scope.denied', actor: auditActor(caller), outcome: 'denied', errorCode: code, method: 'POST /v1/reviews/{id}', detail: { review: id } }, this.#o.logger);
  }
}

/** The agent's record, which a pending review of it always has (a deregistration withdraws the review). */
function pendingRecordOf(review: StoredReview, current: AgentRecord | undefined): AgentRecord {
  if (review.state !== 'pending') throw Errors.registryReviewDecided({ id: review.id, state: review.state });
  if (current === undefined) throw agentNotFound(review.agent);
  return current;
}

/** A stored review as the API answers it. */
export function toCardReview(review: StoredReview): CardReview {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: review.id,
    agent: review.agent,
    state: review.state,
    baseRevision: review.baseRevision,
    changes: review.changes,
    summary: summarizeChanges(review.changes),
    proposed: { card: isRecord(review.proposal.card) ? review.proposal.card : {}, ...(review.proposal.cardUrl !== undefined && { cardUrl: review.proposal.cardUrl }), metadata: review.proposal.metadata },
    submittedAt: iso(review.submittedAt),
    ...(review.submittedBy !== undefined && { submittedBy: review.submittedBy }),
    ...(review.decidedAt !== undefined && { decidedAt: iso(review.decidedAt) }),
    ...(review.decidedBy !== undefined && { decidedBy: review.decidedBy }),
    ...(review.onBehalfOf !== undefined && { onBehalfOf: review.onBehalfOf }),
    ...(review.reason !== undefined && { reason: review.reason }),
  };
}
