/**
 * audit: the append-only, hash-chained audit trail (docs/audit.md). The gateway
 * appends one entry per call and per security event; `agentmesh audit
 * verify|tail|export` read the chain straight from the database.
 */
export { createAuditLog } from './audit-log.js';
export type { AuditLog, AuditLogOptions, PreparedAuditRow } from './audit-log.js';
export { hashInput } from './hash-input.js';
export { rowFieldsJson, rowOfFields } from './row-hash.js';
export type { PendingRow } from './pending-row.js';
export { PeriodicAuditVerifier } from './periodic-verifier.js';
export type { PeriodicAuditVerifierOptions } from './periodic-verifier.js';
// The audit trail's shapes are declared in contracts/audit (the console and the CLI read them too).
export { SECURITY_EVENT_TYPES } from '../contracts/audit/index.js';
export type { AuditEntry, AuditRow, AuditActorKind, AuditOutcome, AuditProblem, AuditVerifyResult, AuditAnchor } from '../contracts/audit/index.js';
export type { AuditVerifyOptions } from './chain-verifier.js';
export type { AuditTailOptions, AuditFollowOptions, AuditExportOptions } from './audit-reader.js';
