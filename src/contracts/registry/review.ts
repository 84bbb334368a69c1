/**
 * Review holds (docs/registry.md#review-holds): a changed card held until a
 * reviewer approves it, as the registry keeps it and its API answers it.
 */
import type { AgentMetadata } from './record.js';

/**
 * Where a held change stands: `pending` (waiting for a reviewer), `approved`
 * (the record took it), `rejected`, `superseded` (a newer change of the same
 * agent replaced it before anyone decided) or `withdrawn` (the agent was
 * deregistered meanwhile).
 */
export type ReviewState = 'pending' | 'approved' | 'rejected' | 'superseded' | 'withdrawn';

/** Every {@link ReviewState}. */
export const REVIEW_STATES: readonly ReviewState[] = Object.freeze(['pending', 'approved', 'rejected', 'superseded', 'withdrawn']);

/**
 * One difference between the approved version and the proposed one. `path`
 * is a JSON Pointer (RFC 6901) into `{ card, metadata }`, except that a
 * skill is addressed by its id (`/card/skills/refund/description`) and an
 * interface by its URL (`/card/supportedInterfaces/https:~1~1a.example~1rpc`),
 * never by position, so that a skill inserted first is one addition and not
 * a change of every skill after it. `from` is absent for an addition, `to`
 * for a removal.
 */
export interface CardChange {
  op: 'added' | 'removed' | 'changed';
  path: string;
  from?: unknown;
  to?: unknown;
}

/** A held change as the registry's review API answers it. */
export interface CardReview {
  id: string;
  agent: string;
  state: ReviewState;
  /** The record's revision when the change was held: the approved version it is compared with. */
  baseRevision: number;
  /** Every difference, card and metadata, in document order. */
  changes: CardChange[];
  /** One line per change, for a person: `skill "refund" added`, `price of "score" per call 1 → 2`. */
  summary: string[];
  /** What the record becomes when approved: the card as A2A JSON, where it was fetched from, the metadata. */
  proposed: { card: Record<string, unknown>; cardUrl?: string; metadata: AgentMetadata };
  submittedAt: string;
  /** Who submitted it: the writer's token subject, when writes are authenticated. */
  submittedBy?: string;
  decidedAt?: string;
  /** The reviewer's token subject. */
  decidedBy?: string;
  /** Whom the reviewer's caller said it acts for (the console's signed-in admin, relayed by the gateway). */
  onBehalfOf?: string;
  /** The reviewer's words; required to reject. */
  reason?: string;
}

/** `GET /v1/reviews`. */
export interface CardReviewPage {
  reviews: CardReview[];
}
