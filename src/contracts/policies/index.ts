/**
 * contracts/policies: the gateway's policies API (`/v1/policies…`,
 * docs/policies.md) as it crosses the wire — the answers the CLI and the
 * console read. Types only: loading it loads nothing else.
 *
 * @example
 * import type { PolicyView } from '../contracts/policies/index.js';
 */

/** One version of a policy, as the API shows it. */
export interface PolicyView {
  id: string;
  /** Absent: platform-wide. */
  tenant?: string | undefined;
  effect: 'permit' | 'forbid' | 'permit_when_approved';
  target: { agent?: string | undefined; operation?: string | undefined; skill?: string | undefined };
  condition?: string | undefined;
  reason?: string | undefined;
  approverScope?: string | undefined;
  expiresAfterMs?: number | undefined;
  comment?: string | undefined;
  version: number;
  /** Epoch ms. */
  createdAt: number;
  createdBy: string;
  /** This version deleted the policy. */
  deleted?: boolean | undefined;
}

/** `GET /v1/policies`. */
export interface PolicyListAnswer {
  policies: PolicyView[];
}

/** `GET /v1/policies/{id}/versions`: newest first. */
export interface PolicyVersionsAnswer {
  versions: PolicyView[];
}

/** How a decision came out (docs/policies.md, "How a decision is made"). */
export type PolicyOutcome = 'forbid' | 'approve' | 'permit' | 'unpermitted' | 'none';

/** `POST /v1/policies/test`: the decision on a sample call, nothing sent. */
export interface PolicyTestAnswer {
  outcome: PolicyOutcome;
  /** The deciding policies, `[tenant/]id@version` (drafts are version 0). */
  policies: string[];
  /** Every policy whose target covered the sample. */
  applicable: string[];
  /** Policies whose condition failed to evaluate (they did not apply). */
  errors?: Array<{ ref: string; message: string }>;
}

/** `GET /v1/policies/explain/{seq}`: an audited call's decision and the versions that made it. */
export interface PolicyExplainAnswer {
  seq: number;
  time: string;
  eventType: string;
  outcome: string;
  agent?: string;
  tenant?: string;
  method?: string;
  decision: { outcome: string; policies: string[]; errors?: unknown };
  policies: PolicyView[];
}
