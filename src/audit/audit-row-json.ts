import type { Tables } from '../storage/index.js';
import type { AuditActorKind, AuditOutcome, AuditRow } from '../contracts/audit/index.js';

type StoredRow = Tables['audit_log'];

/** A stored row as the public {@link AuditRow}: camelCase, absent columns left out, detail parsed. */
export function auditRowFromStored(row: StoredRow): AuditRow {
  // Built in reading order (who, what, how it ended, then the chain), which is the order of a JSON line.
  const out: Partial<AuditRow> & Record<string, unknown> = {
    seq: Number(row.seq),
    time: new Date(Number(row.time)).toISOString(),
    eventType: row.event_type,
    actor: row.actor_id === null ? { kind: row.actor_kind as AuditActorKind } : { kind: row.actor_kind as AuditActorKind, id: row.actor_id },
  };
  if (row.target_agent !== null) out.targetAgent = row.target_agent;
  if (row.task_id !== null) out.taskId = row.task_id;
  if (row.skill !== null) out.skill = row.skill;
  if (row.tenant !== null) out.tenant = row.tenant;
  if (row.user_id !== null) out.user = row.user_id;
  if (row.ip !== null) out.ip = row.ip;
  if (row.user_agent !== null) out.userAgent = row.user_agent;
  if (row.method !== null) out.method = row.method;
  if (row.input_hash !== null) out.inputHash = row.input_hash;
  if (row.output_hash !== null) out.outputHash = row.output_hash;
  if (row.duration_ms !== null) out.durationMs = Number(row.duration_ms);
  if (row.milli_credits !== null) out.milliCredits = Number(row.milli_credits);
  if (row.error_code !== null) out.errorCode = row.error_code;
  out.outcome = row.outcome as AuditOutcome;
  if (row.detail !== null) out.detail = parseDetail(row.detail);
  out.prevHash = row.prev_hash;
  out.hash = row.hash;
  return out as AuditRow;
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A row edited by hand may hold anything; reading it must still work (verify names it).
    return { unparsable: text };
  }
}
