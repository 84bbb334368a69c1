/**
 * What the audit trail records (seed 004's AuditLogEntry, named the way the
 * rest of agentmesh names things) and what reading it gives back.
 */

/** Who acted: a gateway principal's kind, an agent calling another, or nobody authenticated. */
export type AuditActorKind = 'client' | 'api-key' | 'external' | 'agent' | 'anonymous';

/** How the audited action ended. */
export type AuditOutcome = 'ok' | 'denied' | 'error';

/** One event to record. Only `eventType`, `actor` and `outcome` are required. */
export interface AuditEntry {
  /** When it happened (ISO 8601). Default: when `append()` was called. */
  time?: string;
  /** Stable dotted name: `a2a.call`, `auth.denied`, `scope.denied`, `quota.exceeded`, `tenant.mismatch`, `credits.reserved`, … */
  eventType: string;
  actor: { kind: AuditActorKind; id?: string };
  targetAgent?: string;
  taskId?: string;
  skill?: string;
  tenant?: string;
  user?: string;
  ip?: string;
  userAgent?: string;
  /** The A2A method (`SendMessage`, `GetTask`, …) or HTTP route. */
  method?: string;
  /** {@link hashInput} of the A2A input: never the content itself. */
  inputHash?: string;
  outputHash?: string;
  /** Milliseconds; rounded to an integer when stored. */
  durationMs?: number;
  /** Credits moved, in milli-credits (an integer). */
  milliCredits?: number;
  /** An `AM_ERR_…` code when the outcome is not `ok`. */
  errorCode?: string;
  outcome: AuditOutcome;
  /** Anything else worth keeping, as JSON. Credential-like keys are redacted before storage. */
  detail?: Record<string, unknown>;
}

/** A stored entry: the entry as written, with its place in the chain. */
export interface AuditRow extends AuditEntry {
  /** Position in the chain, gapless from 1. */
  seq: number;
  /** ISO 8601, millisecond precision. */
  time: string;
  /** Hash of the row before (64 zeros for seq 1). */
  prevHash: string;
  /** SHA-256 (hex) over prevHash and this row's fields. */
  hash: string;
}

/** One thing `verify()` found wrong with the chain. */
export interface AuditProblem {
  /** The row concerned (for `deleted`, the first missing seq; for `truncated`, the first missing seq after the tip). */
  seq: number;
  kind: 'modified' | 'deleted' | 'broken-link' | 'truncated';
  detail: string;
}

/** What `verify()` reports. */
export interface AuditVerifyResult {
  ok: boolean;
  /** Rows read and checked. */
  checked: number;
  problems: AuditProblem[];
  /** The last row checked: record it somewhere else to pass back as an anchor later. */
  tip?: { seq: number; hash: string };
}

/** A tip recorded outside the database (an earlier `verify`, a SIEM) to check the chain against. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/**
 * Event types counted as security events (bad tokens, scope denials,
 * quota hits, tenant mismatches; docs/audit.md). Any entry with outcome `denied`
 * counts too, in `agentmesh_audit_security_events_total{event_type}`.
 *
 * @example
 * import { SECURITY_EVENT_TYPES } from '../contracts/audit/index.js';
 * SECURITY_EVENT_TYPES.has('scope.denied'); // true
 */
export const SECURITY_EVENT_TYPES: ReadonlySet<string> = new Set(['auth.denied', 'scope.denied', 'quota.exceeded', 'tenant.mismatch', 'assertion.invalid', 'policy.forbidden']);
