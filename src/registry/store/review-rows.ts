import type { Insertable, Selectable } from 'kysely';
import { REVIEW_STATES, type AgentBridge, type AgentMetadata, type CardChange, type ReviewState } from '../../contracts/registry/index.js';
import { requireOneOf } from '../../protocol/index.js';
import type { Tables } from '../../storage/index.js';

type ReviewRow = Selectable<Tables['registry_reviews']>;

/** What the record becomes when a held change is approved. */
export interface ReviewProposal {
  /** The card as A2A JSON, as admitted (signatures included). */
  card: unknown;
  cardUrl?: string;
  sourceProtocol: '1.0' | '0.3';
  signed: boolean;
  bridge?: AgentBridge;
  /** The metadata as proposed, for the reviewer. */
  metadata: AgentMetadata;
  /** RFC 7396 patch from the approved metadata to the proposed one: what approval applies to the metadata of that day. */
  metadataPatch: Record<string, unknown>;
}

/** A held change as the store keeps it. */
export interface StoredReview {
  id: string;
  agent: string;
  state: ReviewState;
  baseRevision: number;
  proposal: ReviewProposal;
  changes: CardChange[];
  baseCardDigest: string;
  digest: string;
  submittedAt: number;
  submittedBy?: string;
  decidedAt?: number;
  decidedBy?: string;
  onBehalfOf?: string;
  reason?: string;
}

/** A change to hold, as a write decides it. */
export type NewReview = Pick<StoredReview, 'id' | 'baseRevision' | 'proposal' | 'changes' | 'baseCardDigest' | 'digest' | 'submittedBy'>;

/** How a review ends. */
export interface ReviewOutcome {
  state: Exclude<ReviewState, 'pending'>;
  decidedBy?: string | undefined;
  onBehalfOf?: string | undefined;
  reason?: string | undefined;
}

export function reviewFromRow(row: ReviewRow): StoredReview {
  return {
    id: row.id,
    agent: row.agent,
    state: requireOneOf(REVIEW_STATES, row.state, 'registry_reviews.state'),
    baseRevision: row.base_revision,
    proposal: JSON.parse(row.proposal) as ReviewProposal,
    changes: JSON.parse(row.changes) as CardChange[],
    baseCardDigest: row.base_card_digest,
    digest: row.digest,
    submittedAt: Number(row.submitted_at),
    ...(row.submitted_by !== null && { submittedBy: row.submitted_by }),
    ...(row.decided_at !== null && { decidedAt: Number(row.decided_at) }),
    ...(row.decided_by !== null && { decidedBy: row.decided_by }),
    ...(row.on_behalf_of !== null && { onBehalfOf: row.on_behalf_of }),
    ...(row.reason !== null && { reason: row.reason }),
  };
}

export function rowFromNewReview(agent: string, review: NewReview, now: number): Insertable<Tables['registry_reviews']> {
  return {
    id: review.id,
    agent,
    state: 'pending',
    base_revision: review.baseRevision,
    proposal: JSON.stringify(review.proposal),
    changes: JSON.stringify(review.changes),
    base_card_digest: review.baseCardDigest,
    digest: review.digest,
    submitted_at: now,
    submitted_by: review.submittedBy ?? null,
  };
}
