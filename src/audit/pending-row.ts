import { isRecord } from '../protocol/index.js';
import type { Tables } from '../storage/index.js';
import type { AuditEntry } from '../contracts/audit/index.js';
import { canonicalJson } from './canonical-json.js';
import { detailJson } from './detail-json.js';
import { boundedText } from './storable-text.js';

/** An entry's columns before it has a place in the chain (the row without seq and hashes). */
export type PendingRow = Omit<Tables['audit_log'], 'seq' | 'prev_hash' | 'hash'>;

/** Fields of an entry that did not hold what {@link AuditEntry} says, each with a description of what it held. */
export type Coercions = Record<string, string>;

const ACTOR_KINDS: ReadonlySet<unknown> = new Set(['client', 'api-key', 'external', 'agent', 'anonymous']);
const OUTCOMES: ReadonlySet<unknown> = new Set(['ok', 'denied', 'error']);
const EVENT_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** The event type of an entry whose own was not a dotted lowercase name. */
export const INVALID_EVENT_TYPE = 'audit.invalid-entry';
/** The `detail` key that lists an entry's coerced fields. */
export const COERCED_KEY = '$coerced';

/** Longest text column kept; a longer value (a hostile user agent) is cut, marked with `…`. */
export const MAX_TEXT = 1024;
/** Longest description of a coerced value. */
const MAX_DESCRIPTION = 256;

/** What one conversion found wrong, gathered before `detail` is written (it records them). */
interface Found {
  coerced: Coercions | undefined;
}

/**
 * Turns an entry into column values in the one form every store reads back
 * unchanged, so that what is hashed is what `verify` re-hashes: every string
 * well-formed and without NUL (both become U+FFFD), text columns cut at
 * {@link MAX_TEXT}, `detail` as bounded canonical JSON (see `detailJson`).
 *
 * It never throws and never drops the entry: a field of the wrong type (a
 * function where a method name belongs, a float number of credits, an
 * unknown outcome) is coerced (text: its description; numbers: null; event
 * type: {@link INVALID_EVENT_TYPE}; actor kind: `anonymous`; outcome: `error`;
 * time: now), the original's description is recorded under `detail.$coerced`,
 * and `onCoerced` is told (the log warns).
 */
export function toPendingRow(entry: AuditEntry, now: number, onCoerced?: (coerced: Coercions) => void): PendingRow {
  const found: Found = { coerced: undefined };
  let row: PendingRow;
  try {
    row = convert(entry, now, found);
  } catch (err) {
    // A getter or a Proxy that throws: record that much rather than nothing.
    found.coerced = undefined;
    coerce(found, 'entry', `unreadable: ${err instanceof Error ? String(err.message) : typeof err}`);
    row = convert({ eventType: INVALID_EVENT_TYPE, actor: { kind: 'anonymous' }, outcome: 'error' }, now, { coerced: undefined });
  }
  if (found.coerced !== undefined) {
    row.detail = withCoercions(row.detail, found.coerced);
    onCoerced?.(found.coerced);
  }
  return row;
}

function convert(entry: AuditEntry, now: number, found: Found): PendingRow {
  if (entry === null || typeof entry !== 'object') {
    coerce(found, 'entry', describe(entry));
    entry = { eventType: INVALID_EVENT_TYPE, actor: { kind: 'anonymous' }, outcome: 'error' };
  }
  const actor: unknown = entry.actor;
  let actorKind: string = 'anonymous';
  let actorId: string | null = null;
  if (actor !== null && typeof actor === 'object') {
    const { kind, id } = actor as { kind?: unknown; id?: unknown };
    if (ACTOR_KINDS.has(kind)) actorKind = kind as string;
    else coerce(found, 'actor.kind', describe(kind));
    actorId = text(found, 'actor.id', id);
  } else {
    coerce(found, 'actor', describe(actor));
  }
  return {
    time: time(found, entry.time, now),
    event_type: eventType(found, entry.eventType),
    actor_kind: actorKind,
    actor_id: actorId,
    target_agent: text(found, 'targetAgent', entry.targetAgent),
    task_id: text(found, 'taskId', entry.taskId),
    skill: text(found, 'skill', entry.skill),
    tenant: text(found, 'tenant', entry.tenant),
    user_id: text(found, 'user', entry.user),
    ip: text(found, 'ip', entry.ip),
    user_agent: text(found, 'userAgent', entry.userAgent),
    method: text(found, 'method', entry.method),
    input_hash: text(found, 'inputHash', entry.inputHash),
    output_hash: text(found, 'outputHash', entry.outputHash),
    duration_ms: duration(found, entry.durationMs),
    milli_credits: milliCredits(found, entry.milliCredits),
    error_code: text(found, 'errorCode', entry.errorCode),
    outcome: outcome(found, entry.outcome),
    detail: detail(found, entry.detail),
  };
}

function coerce(found: Found, field: string, description: string): void {
  found.coerced ??= {};
  found.coerced[field] = description;
}

/** A short, storable description of a value that was not what its field takes. */
function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return boundedText(value, MAX_DESCRIPTION);
    case 'function':
      return boundedText(`function ${typeof value.name === 'string' ? value.name : ''}`.trimEnd(), MAX_DESCRIPTION);
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'array' : 'object';
    case 'undefined':
    case 'symbol':
      return typeof value;
    default:
      // number, boolean, bigint
      return boundedText(`${typeof value} ${String(value)}`, MAX_DESCRIPTION);
  }
}

function time(found: Found, value: unknown, now: number): number {
  if (value === undefined || value === null) return now;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    coerce(found, 'time', describe(value));
    return now;
  }
  return ms;
}

function eventType(found: Found, value: unknown): string {
  if (typeof value === 'string' && value.length <= 64 && EVENT_TYPE.test(value)) return value;
  coerce(found, 'eventType', describe(value));
  return INVALID_EVENT_TYPE;
}

function outcome(found: Found, value: unknown): string {
  if (OUTCOMES.has(value)) return value as string;
  coerce(found, 'outcome', describe(value));
  return 'error';
}

function text(found: Found, field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return boundedText(value, MAX_TEXT);
  coerce(found, field, describe(value));
  const scalar = typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint';
  return boundedText(scalar ? String(value) : `[${describe(value)}]`, MAX_TEXT);
}

function duration(found: Found, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  // Bounded to a safe integer: PostgreSQL's bigint refuses more, and a refused row would block the queue.
  if (typeof value === 'number' && value >= 0 && Math.round(value) <= Number.MAX_SAFE_INTEGER) return Math.round(value);
  coerce(found, 'durationMs', describe(value));
  return null;
}

function milliCredits(found: Found, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  // Credits are integers everywhere (1 credit = 1000 milli-credits): a float is a caller bug, not a sum to round.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  coerce(found, 'milliCredits', describe(value));
  return null;
}

function detail(found: Found, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && !Array.isArray(value)) return detailJson(value);
  coerce(found, 'detail', describe(value));
  return detailJson({ value });
}

/**
 * `detail` with `$coerced` added (replacing a caller's own key of that
 * name). Added after the size bound, which it may pass by at most the
 * descriptions' length (each at most 256 characters).
 */
function withCoercions(json: string | null, coerced: Coercions): string {
  const parsed: unknown = json === null ? {} : JSON.parse(json);
  // JSON.parse makes a "__proto__" key an own member, and the spread copies it as one. The detail
  // is always a JSON object (detailJson writes it).
  return canonicalJson({ ...(isRecord(parsed) ? parsed : {}), [COERCED_KEY]: coerced });
}
