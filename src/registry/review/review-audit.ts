import type { AuditEntry, AuditLog } from '../../audit/index.js';
import type { Logger } from '../../observability/index.js';
import type { RegistryCaller } from '../routes/write-auth.js';

/** Audit event types of review holds (docs/audit.md). */
export const REVIEW_EVENTS = Object.freeze({ held: 'registry.review.held', approved: 'registry.review.approved', rejected: 'registry.review.rejected' });

/** Who acted, as the audit trail names an actor: the token's subject, or nobody authenticated (writes open). */
export function auditActor(caller: RegistryCaller | undefined): AuditEntry['actor'] {
  return caller?.subject !== undefined ? { kind: 'client', id: caller.subject } : { kind: 'anonymous' };
}

/**
 * Queues an entry without waiting for its batch: a full queue (the database
 * down) is logged, and the registry write it records stands.
 */
export function appendAudit(audit: AuditLog | undefined, entry: AuditEntry, log: Logger): void {
  if (audit === undefined) return;
  try {
    audit.append(entry);
  } catch (err) {
    log.warn({ err, eventType: entry.eventType }, 'could not queue an audit entry');
  }
}
