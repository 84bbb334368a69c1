/**
 * One audit row as a line for people (`agentmesh audit tail` without
 * `--json`): what happened, to what, for whom, and what it cost, in the
 * order a person scans a log. The hashes, input hashes, address and task id
 * stay in the JSON form (`--json`), which is also what a SIEM reads.
 */
import type { AuditRow } from '../../../contracts/audit/index.js';
import { formatCredits } from '../../../tenancy/index.js';

/**
 * Stored text came from callers (an agent name, a user agent, a tenant):
 * control characters are shown escaped, so a row cannot move the cursor,
 * recolour the terminal or forge a line of its own.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * @example
 * auditRowLine(row);
 * // '12  2026-08-14T09:12:01.532Z  a2a.call  ok  legal/review-contract  tenant demo  client amc_7vvn…  2.000 credits  35 ms'
 */
export function auditRowLine(row: AuditRow): string {
  const parts = [String(row.seq), row.time, printable(row.eventType), row.outcome];
  if (row.targetAgent !== undefined) parts.push(printable(row.skill !== undefined ? `${row.targetAgent}/${row.skill}` : row.targetAgent));
  if (row.tenant !== undefined) parts.push(`tenant ${printable(row.tenant)}`);
  const actor = row.actor.id !== undefined ? `${row.actor.kind} ${printable(row.actor.id)}` : row.actor.kind;
  // A call made on someone's behalf (the orchestrator's, delegated) names both.
  parts.push(row.user !== undefined && row.user !== row.actor.id ? `${actor} for ${printable(row.user)}` : actor);
  if (row.errorCode !== undefined) parts.push(printable(row.errorCode));
  if (row.milliCredits !== undefined) parts.push(`${formatCredits(row.milliCredits)} credits`);
  if (row.durationMs !== undefined) parts.push(`${row.durationMs} ms`);
  return parts.join('  ');
}
