/**
 * contracts/audit: what the audit trail records and what reading it gives
 * back — the entry, the stored row, the verification report — as the audit
 * floor writes them, the gateway serves them to the console
 * (`/v1/console/audit…`) and the CLI prints them.
 */
export { SECURITY_EVENT_TYPES } from './audit-entry.js';
export type { AuditEntry, AuditRow, AuditActorKind, AuditOutcome, AuditProblem, AuditVerifyResult, AuditAnchor } from './audit-entry.js';
