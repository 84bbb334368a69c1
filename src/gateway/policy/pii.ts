import { Errors, type AgentmeshError, isRecord } from '../../protocol/index.js';
import { findPii, mayHoldPii, type PiiKind } from './pii-detectors.js';
import { stricter, type PiiAction, type ResolvedPiiPolicy } from './pii-policy.js';

/** Bounds of one scan (see `piiConfigSchema`: `maxDepth`, `maxChars`). */
export interface PiiScanLimits {
  /** Nesting depth of data part values scanned. */
  maxDepth: number;
  /** Characters scanned per message. */
  maxChars: number;
}

export const DEFAULT_PII_LIMITS: Readonly<PiiScanLimits> = Object.freeze({ maxDepth: 32, maxChars: 1_048_576 });

/** Where personal data was found: a field path, never the value. */
export interface PiiLocation {
  field: string;
  kind: PiiKind;
}

/** The outcome of scanning one message. Holds counts and places, never a matched value. */
export interface PiiScan {
  /** Matches per kind (kinds not found are absent). */
  readonly counts: Readonly<Partial<Record<PiiKind, number>>>;
  readonly total: number;
  /** The strictest action the policy asks for the kinds found; undefined when nothing was found. */
  readonly action: PiiAction | undefined;
  /** The first places found (at most {@link MAX_LOCATIONS}). */
  readonly locations: readonly PiiLocation[];
  /** Part of the message was not scanned (too deep or too long): counts are a lower bound. */
  readonly incomplete: boolean;
  /** With action 'redact': a copy of the message with every match of a redacted kind replaced by `[redacted:<kind>]`. */
  readonly redacted?: Record<string, unknown>;
}

/**
 * The scan of a message in which nothing was found and nothing was left unscanned: one frozen object answers
 * every such call (most calls), so a call with nothing to find builds no scanner, no counts, no result.
 */
const NOTHING_FOUND: PiiScan = Object.freeze({ counts: Object.freeze({}), total: 0, action: undefined, locations: Object.freeze([]), incomplete: false });

export const MAX_LOCATIONS = 10;

/** What replaces a redacted match. Holds no digit and no '@', so redacting again finds nothing new. */
export const redactionOf = (kind: PiiKind): string => `[redacted:${kind}]`;

/**
 * Scans the text parts and the string values inside data parts of an A2A
 * message (v1.0 and v0.3 JSON: `parts`; v0.3 HTTP+JSON: `content`) for the
 * kinds the policy names. Never throws; bounded by `limits` (depth of data
 * values, characters scanned), and linear in what it scans. For 'redact' the
 * result carries a copy of the message: only the objects on the way to a
 * replaced string are copied, the rest is shared with the original.
 *
 * @example
 * const scan = scanMessage(call.message, resolvePiiPolicy([tenantPolicy, agentPolicy])!);
 * if (scan.action === 'block') throw piiBlockedError(scan);
 * if (scan.redacted) body = withMessage(parsedBody, scan.redacted);
 */
export function scanMessage(message: unknown, policy: ResolvedPiiPolicy, limits: PiiScanLimits = DEFAULT_PII_LIMITS): PiiScan {
  if (!isRecord(message) || holdsNothing(message, policy, limits)) return NOTHING_FOUND;
  return scanMessageInFull(message, policy, limits);
}

/**
 * {@link scanMessage} without its first look: the scanner's walk, which counts, places and redacts. Exported for
 * the property test that holds the first look to it (pii-first-look-judged-as-the-scan.test.ts).
 */
export function scanMessageInFull(message: unknown, policy: ResolvedPiiPolicy, limits: PiiScanLimits = DEFAULT_PII_LIMITS): PiiScan {
  const scan = new Scanner(policy, limits);
  const scanned = isRecord(message) ? scan.message(message) : undefined;
  const redacted = scan.action === 'redact' && scanned !== undefined && scanned !== message ? scanned : undefined;
  const result = { counts: scan.counts, total: scan.total, action: scan.action, locations: scan.locations, incomplete: scan.incomplete };
  return redacted === undefined ? result : { ...result, redacted };
}

/**
 * The first look: true only when the scanner would find nothing and stop at no bound, so its answer is
 * {@link NOTHING_FOUND}. It walks what the scanner walks (the parts' texts, their data values to `maxDepth`) and
 * asks of each string what the scanner asks first (`mayHoldPii`), with no object made on the way. Anything else (a
 * string that may hold personal data, a bound met, or about to be) answers false, and the scanner decides.
 */
function holdsNothing(message: Record<string, unknown>, policy: ResolvedPiiPolicy, limits: PiiScanLimits): boolean {
  const parts = Array.isArray(message['parts']) ? message['parts'] : Array.isArray(message['content']) ? message['content'] : undefined;
  if (parts === undefined) return true;
  let budget = limits.maxChars;
  for (let i = 0; i < parts.length; i++) {
    const part: unknown = parts[i];
    if (!isRecord(part)) continue;
    const text = part['text'];
    if (typeof text === 'string') {
      budget = quietBudget(text, 1, budget, policy, limits);
      if (budget < 0) return false;
    }
    if (Object.hasOwn(part, 'data')) {
      budget = quietBudget(part['data'], 1, budget, policy, limits);
      if (budget < 0) return false;
    }
  }
  return true;
}

/** The characters left once `value` is looked at with nothing found, or -1 when the scanner must look at it. */
function quietBudget(value: unknown, depth: number, budget: number, policy: ResolvedPiiPolicy, limits: PiiScanLimits): number {
  if (typeof value === 'string') {
    if (value.length === 0) return budget;
    // A string that would use up the budget, or more: the scanner stops there, or stops at the next one, and says so.
    if (value.length >= budget || mayHoldPii(value, policy.kinds)) return -1;
    return budget - value.length;
  }
  if (value === null || typeof value !== 'object') return budget;
  if (depth > limits.maxDepth) return -1;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && budget >= 0; i++) budget = quietBudget(value[i], depth + 1, budget, policy, limits);
    return budget;
  }
  if (!isRecord(value)) return budget;
  for (const key of Object.keys(value)) {
    if (budget < 0) break;
    budget = quietBudget(value[key], depth + 1, budget, policy, limits);
  }
  return budget;
}

class Scanner {
  readonly counts: Partial<Record<PiiKind, number>> = {};
  total = 0;
  action: PiiAction | undefined;
  readonly locations: PiiLocation[] = [];
  incomplete = false;
  readonly #policy: ResolvedPiiPolicy;
  readonly #limits: PiiScanLimits;
  #budget: number;
  /** Field path of the value being scanned, as segments (joined only when a match is found). */
  readonly #path: Array<string | number> = [];

  constructor(policy: ResolvedPiiPolicy, limits: PiiScanLimits) {
    this.#policy = policy;
    this.#limits = limits;
    this.#budget = limits.maxChars;
  }

  message(message: Record<string, unknown>): Record<string, unknown> {
    const key = Array.isArray(message['parts']) ? 'parts' : Array.isArray(message['content']) ? 'content' : undefined;
    if (key === undefined) return message;
    const parts = message[key] as unknown[];
    let copy: unknown[] | undefined;
    this.#path.push('message', key);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (!isRecord(part)) continue;
      this.#path.push(i);
      const next = this.#part(part);
      this.#path.pop();
      if (next !== part) {
        copy ??= parts.slice();
        copy[i] = next;
      }
    }
    this.#path.length = 0;
    return copy === undefined ? message : withOwn(message, key, copy);
  }

  #part(part: Record<string, unknown>): Record<string, unknown> {
    let out = part;
    const text = part['text'];
    if (typeof text === 'string') {
      this.#path.push('text');
      const next = this.#string(text);
      this.#path.pop();
      if (next !== text) out = withOwn(out, 'text', next);
    }
    if (Object.hasOwn(part, 'data')) {
      this.#path.push('data');
      const data = part['data'];
      const next = this.#value(data, 1);
      this.#path.pop();
      if (next !== data) out = withOwn(out, 'data', next);
    }
    return out;
  }

  /** A data value: strings scanned, arrays and objects walked to `maxDepth` (bounded recursion). */
  #value(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.#string(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > this.#limits.maxDepth) {
      this.incomplete = true;
      return value;
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length && this.#budget > 0; i++) {
        this.#path.push(i);
        const next = this.#value(value[i], depth + 1);
        this.#path.pop();
        if (next !== value[i]) {
          copy ??= value.slice();
          copy[i] = next;
        }
      }
      return copy ?? value;
    }
    if (!isRecord(value)) return value;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      if (this.#budget <= 0) break;
      const child = value[key];
      this.#path.push(key);
      const next = this.#value(child, depth + 1);
      this.#path.pop();
      if (next !== child) setOwn((copy ??= { ...value }), key, next);
    }
    return copy ?? value;
  }

  #string(text: string): string {
    if (text.length === 0) return text;
    if (text.length > this.#budget) {
      this.incomplete = true;
      this.#budget = 0;
      return text;
    }
    this.#budget -= text.length;
    // No '@' and fewer than six digits: no detector can match, and the passes are not begun (pii-detectors.ts).
    if (!mayHoldPii(text, this.#policy.kinds)) return text;
    // A redaction can change how a neighbour reads ("4111 1111 1111 1111 020 7946 0958" is one
    // 19-digit number until the phone number after it is gone, then a card): scan the result again.
    let current = text;
    for (let pass = 0; pass < REDACTION_PASSES; pass++) {
      const next = this.#pass(current, pass > 0);
      if (next === current) break;
      current = next;
    }
    return current;
  }

  /** One pass over a string: counts what it finds, replaces what is redacted. Later passes count only what they replace (what they log was logged already). */
  #pass(text: string, again: boolean): string {
    const matches = findPii(text, this.#policy.kinds);
    if (matches.length === 0) return text;
    let out = '';
    let from = 0;
    for (const m of matches) {
      const action = this.#policy.actions.get(m.kind)!;
      if (again && action === 'log') continue;
      this.counts[m.kind] = (this.counts[m.kind] ?? 0) + 1;
      this.total++;
      this.action = this.action === undefined ? action : stricter(this.action, action);
      if (this.locations.length < MAX_LOCATIONS) this.locations.push({ field: fieldOf(this.#path), kind: m.kind });
      if (action === 'log') continue;
      out += text.slice(from, m.start) + redactionOf(m.kind);
      from = m.end;
    }
    return from === 0 ? text : out + text.slice(from);
  }
}

/** Scans of one string, at most: each pass after the first only runs when the one before replaced something. */
const REDACTION_PASSES = 4;

/** 400 / -32602 for a message the PII policy blocks: the kinds and places, never the values. */
export function piiBlockedError(scan: PiiScan): AgentmeshError {
  const counts = Object.entries(scan.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Errors.piiBlocked({ counts: counts.map(([kind, n]) => `${kind}: ${n}`).join(', ') }, {
    details: { kinds: counts.map(([kind]) => kind).join(',') },
    violations: scan.locations.map((l) => ({ field: l.field, description: `contains personal data (${l.kind})` })),
  });
}

/**
 * The request body with its message replaced (after redaction), serialized:
 * JSON-RPC `params.message`, HTTP+JSON `message`. The caller sends these
 * bytes on instead of the original ones.
 */
export function withMessage(body: unknown, message: Record<string, unknown>): string {
  if (!isRecord(body)) return JSON.stringify(body);
  if (isRecord(body['params']) && body['method'] !== undefined) return JSON.stringify(withOwn(body, 'params', withOwn(body['params'], 'message', message)));
  return JSON.stringify(withOwn(body, 'message', message));
}

/** A shallow copy with `key` set. Spread and defineProperty keep a `__proto__` key a key, never a prototype. */
function withOwn(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return setOwn({ ...object }, key, value);
}

function setOwn(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

function fieldOf(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg.slice(0, 64))}]`;
  return out;
}
