import type { AgentRecord, RegistryChangeKind } from '../../contracts/registry/index.js';
import type { NewReview, ReviewOutcome, StoredReview } from './review-rows.js';

/*
 * What the registry store's callers hand it and get back, apart from the
 * records themselves: an agent write's decision, a review's, a new instance,
 * a probe.
 */

/** What an agent's write decided. */
export interface AgentOutcome {
  /** The next record: `null` deletes it; the `current` object itself leaves the row and the log alone (only `ownershipCheckAt` is written). */
  record: AgentRecord | null;
  kind: RegistryChangeKind;
  detail?: Record<string, unknown>;
  /** When the ownership claim is next checked (epoch ms; `null`: no claim); absent leaves it as it is. */
  ownershipCheckAt?: number | null;
  /**
   * A change held for review: its row is written (a pending one of the agent
   * superseded), and the write's instance is not added (it would take calls
   * before anyone approved the card that names it).
   */
  review?: NewReview;
}

/** Given the agent's record as stored (or none), what to write; `undefined` changes nothing. */
export type AgentDecision = (current: AgentRecord | undefined, now: number) => AgentOutcome | undefined;

/** Given a pending review and its agent's record, how the review ends and what the record becomes. */
export type ReviewDecider = (review: StoredReview, current: AgentRecord | undefined, now: number) => { outcome: ReviewOutcome; agent: AgentOutcome };

/** New instance fields; the store fills ids, leases and probe state. */
export interface NewInstance {
  id: string;
  url: string;
  region?: string | undefined;
  version?: string | undefined;
  capacity?: number | undefined;
  kind: 'leased' | 'static';
  leaseTtlMs?: number | undefined;
}

/** One probe's outcome. */
export interface ProbeOutcome {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** A probe history point. */
export interface ProbePoint {
  at: string;
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** An instance claimed for probing by this replica. */
export interface DueProbe {
  id: string;
  agent: string;
  url: string;
  kind: 'leased' | 'static';
  consecutiveFailures: number;
}
