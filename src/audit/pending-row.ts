import { AgentmeshError, ErrorCodes } from '../protocol/index.js';
import type { Tables } from '../storage/index.js';
import type { AuditEntry } from './audit-entry.js';

/** An entry's columns before it has a place in the chain (the row without seq and hashes). */
export type PendingRow = Omit<Tables['audit_log'], 'seq' | 'prev_hash' | 'hash'>;

const ACTOR_KINDS: ReadonlySet<string> = new Set(['client', 'api-key', 'external', 'agent', 'anonymous']);
const OUTCOMES: ReadonlySet<string> = new Set(['ok', 'denied', 'error']);
const EVENT_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** Longest text column kept; a longer value (a hostile user agent) is cut, marked with `…`. */
const MAX_TEXT = 1024;
/** Longest detail JSON kept; a longer one is replaced by a note of its size. */
const MAX_DETAIL = 16 * 1024;

/**
 * Keys whose values are credentials. The trail must never hold a secret in
 * clear (issue 4), so a caller that passes one in `detail` gets it censored.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set(
  ['secret', 'clientsecret', 'client_secret', 'password', 'token', 'accesstoken', 'access_token', 'refreshtoken', 'refresh_token', 'idtoken', 'id_token', 'authorization', 'apikey', 'api_key', 'x-api-key', 'privatekey', 'private_key', 'cookie', 'assertion', 'client_assertion'],
);

/**
 * Checks an entry and turns it into column values. Runs on the caller's path
 * (inside `append()`), so it does only cheap checks: types, enums, integer
 * credits. Strings lose NUL characters (PostgreSQL text cannot hold them)
 * and are cut at 1024 characters.
 */
export function toPendingRow(entry: AuditEntry, now: number): PendingRow {
  if (entry === null || typeof entry !== 'object') throw invalid('entry', 'must be an object');
  if (typeof entry.eventType !== 'string' || !EVENT_TYPE.test(entry.eventType) || entry.eventType.length > 64) {
    throw invalid('eventType', `must be a dotted lowercase name such as "a2a.call", got ${JSON.stringify(entry.eventType)}`);
  }
  if (!OUTCOMES.has(entry.outcome)) throw invalid('outcome', `must be "ok", "denied" or "error", got ${JSON.stringify(entry.outcome)}`);
  const actor = entry.actor;
  if (actor === null || typeof actor !== 'object' || !ACTOR_KINDS.has(actor.kind)) {
    throw invalid('actor.kind', `must be one of ${[...ACTOR_KINDS].join(', ')}, got ${JSON.stringify(actor?.kind)}`);
  }
  return {
    time: entry.time === undefined ? now : parseTime(entry.time),
    event_type: entry.eventType,
    actor_kind: actor.kind,
    actor_id: text('actor.id', actor.id),
    target_agent: text('targetAgent', entry.targetAgent),
    task_id: text('taskId', entry.taskId),
    skill: text('skill', entry.skill),
    tenant: text('tenant', entry.tenant),
    user_id: text('user', entry.user),
    ip: text('ip', entry.ip),
    user_agent: text('userAgent', entry.userAgent),
    method: text('method', entry.method),
    input_hash: text('inputHash', entry.inputHash),
    output_hash: text('outputHash', entry.outputHash),
    duration_ms: duration(entry.durationMs),
    milli_credits: milliCredits(entry.milliCredits),
    error_code: text('errorCode', entry.errorCode),
    outcome: entry.outcome,
    detail: detail(entry.detail),
  };
}

function invalid(field: string, problem: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.AUDIT_INVALID_ARGUMENT, `audit entry ${field} ${problem}`, { violations: [{ field, description: problem }] });
}

function parseTime(value: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid('time', `must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}

function text(field: string, value: string | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${typeof value}`);
  let out = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (out.length > MAX_TEXT) out = `${out.slice(0, MAX_TEXT - 1)}…`;
  return out;
}

function duration(value: number | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid('durationMs', `must be a non-negative number of milliseconds, got ${String(value)}`);
  return Math.round(value);
}

function milliCredits(value: number | undefined): number | null {
  if (value === undefined || value === null) return null;
  // Credits are integers everywhere (1 credit = 1000 milli-credits): a float here is a caller bug.
  if (!Number.isSafeInteger(value)) throw invalid('milliCredits', `must be an integer number of milli-credits, got ${String(value)}`);
  return value;
}

function detail(value: Record<string, unknown> | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('detail', 'must be a JSON object');
  let json: string;
  try {
    json = JSON.stringify(value, (key, item: unknown) => (key !== '' && SECRET_KEYS.has(key.toLowerCase()) ? '[redacted]' : item));
  } catch (err) {
    throw invalid('detail', `is not serializable as JSON: ${(err as Error).message}`);
  }
  if (json.length > MAX_DETAIL) return JSON.stringify({ truncated: true, bytes: Buffer.byteLength(json) });
  return json;
}
