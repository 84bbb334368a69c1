/*
 * Detectors of personal data in text, for the PII policy (docs/gateway.md#personal-data-pii).
 * Every detector runs in time linear in the text: hand-written scanners that
 * look a bounded distance around an anchor ('@', a digit group), and one
 * fixed-length regular expression (no nested or unbounded quantifier a
 * backtracking engine could blow up on). A match is a span; its value never
 * leaves this module except as the span of the caller's own string.
 */

import { PII_KINDS, type PiiKind } from '../../contracts/registry/index.js';

// The kinds are part of the registry record (agents declare policies there); a new kind needs a detector in findPii.
export { PII_KINDS, type PiiKind };

/** One detected span of a text: `text.slice(start, end)`. */
export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

/** A detector: appends the spans of its kind found in `text`. */
export interface PiiDetector {
  readonly kinds: readonly PiiKind[];
  scan(text: string, kinds: ReadonlySet<PiiKind>, out: PiiMatch[]): void;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWordChar = (c: number): boolean => isDigit(c) || isAlpha(c) || c === 95;

/* ---------------------------------------------------------------- e-mail */

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const isLocalChar = (c: number): boolean => isDigit(c) || isAlpha(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
const isDomainChar = (c: number): boolean => isDigit(c) || isAlpha(c) || c === 46 || c === 45; // . -

/** `local@domain.tld`: around each '@', at most 64 characters back and 253 ahead (RFC 5321 §4.5.3.1). */
export const emailDetector: PiiDetector = {
  kinds: ['email'],
  scan(text, _kinds, out) {
    let at = text.indexOf('@');
    while (at !== -1) {
      let start = at;
      while (start > 0 && at - start < MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
      // A local part longer than 64 is no address; one starting with a dot neither.
      const tooLong = start > 0 && isLocalChar(text.charCodeAt(start - 1));
      while (start < at && text.charCodeAt(start) === 46) start++;
      let end = at + 1;
      while (end < text.length && end - at - 1 < MAX_DOMAIN && isDomainChar(text.charCodeAt(end))) end++;
      // A sentence ending after the address: "write to a@b.com."
      while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
      if (!tooLong && start < at && validDomain(text, at + 1, end)) out.push({ kind: 'email', start, end });
      at = text.indexOf('@', Math.max(end, at + 1));
    }
  },
};

/** At least two labels, none empty or edged with '-', the last one 2+ letters. */
function validDomain(text: string, from: number, to: number): boolean {
  if (to - from < 4) return false;
  let labels = 0;
  let labelStart = from;
  for (let i = from; i <= to; i++) {
    if (i < to && text.charCodeAt(i) !== 46) continue;
    const length = i - labelStart;
    if (length === 0 || length > 63 || text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return false;
    labels++;
    if (i === to) {
      if (length < 2) return false;
      for (let j = labelStart; j < i; j++) if (!isAlpha(text.charCodeAt(j))) return false;
    }
    labelStart = i + 1;
  }
  return labels >= 2;
}

/* ------------------------------------------------ numbers: card, SSN, phone */

/** A maximal run of digits. */
interface Group {
  start: number;
  end: number;
}

/** Digit groups joined by short separators: one number as written ("(555) 123-4567", "4111 1111 1111 1111"). */
interface Run {
  groups: Group[];
  /** The run is written after a '+' (international format). */
  plus: boolean;
}

const MAX_GAP = 2;
const isGapChar = (c: number): boolean => c === 32 || c === 45 || c === 46 || c === 40 || c === 41; // space - . ( )

/**
 * Splits a text into runs of digit groups. A run starts at a word boundary
 * (no letter, digit or '_' before it) and ends where the next character is
 * neither a digit nor a short separator; a run touching a letter at its end
 * is dropped (an id such as `0193a1b2-…`, a version `v1.2.3`).
 */
const NEXT_DIGIT = /[0-9]/g;

function runsOf(text: string): Run[] {
  const runs: Run[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    // The next digit, found by the regexp engine's scan (much faster than a loop over characters).
    NEXT_DIGIT.lastIndex = i;
    const next = NEXT_DIGIT.exec(text);
    if (next === null) break;
    i = next.index;
    // Find where the run's prefix begins: '+' or '(' right before the first digit.
    let prefix = i;
    if (prefix > 0 && text.charCodeAt(prefix - 1) === 40) prefix--;
    if (prefix > 0 && text.charCodeAt(prefix - 1) === 43) prefix--;
    const leftOk = prefix === 0 || !isWordChar(text.charCodeAt(prefix - 1));
    const plus = text.charCodeAt(prefix) === 43;
    const groups: Group[] = [];
    let j = i;
    for (;;) {
      const start = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      groups.push({ start, end: j });
      let k = j;
      while (k < n && k - j < MAX_GAP && isGapChar(text.charCodeAt(k))) k++;
      if (k > j && k < n && isDigit(text.charCodeAt(k))) {
        j = k;
        continue;
      }
      break;
    }
    const rightOk = j >= n || !isWordChar(text.charCodeAt(j));
    if (leftOk && rightOk) runs.push({ groups, plus });
    i = j;
  }
  return runs;
}

/** Luhn checksum (ISO/IEC 7812-1 Annex B) over the digits of `text` in [start, end). */
export function luhnValid(text: string, start: number, end: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = end - 1; i >= start; i--) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The one character between two groups, or -1 when the gap is longer. */
function gapChar(text: string, a: Group, b: Group): number {
  return b.start - a.end === 1 ? text.charCodeAt(a.end) : -1;
}
const SPACE = 32;
const DASH = 45;

const lengthOf = (groups: Group[], k: number): number => groups[k]!.end - groups[k]!.start;

/**
 * Card numbers (ISO/IEC 7812): 13-19 digits, Luhn valid, written as one
 * group or in the groups cards are printed in (4-4-4-4…, with a shorter
 * last group; 4-6-5 and 4-6-4), one separator (' ' or '-') throughout.
 * Only a whole grouped number counts: groups of four that go on past 19
 * digits, or that continue a group of four before `i`, are some other
 * number, and no part of them is tried (a Luhn check passes one try in ten).
 * Returns the index after the card's last group, or -1.
 */
function cardAt(text: string, groups: Group[], i: number): number {
  const first = lengthOf(groups, i);
  if (first >= 13 && first <= 19) return luhnValid(text, groups[i]!.start, groups[i]!.end) ? i + 1 : -1;
  if (first !== 4 || i + 1 >= groups.length) return -1;
  const separator = gapChar(text, groups[i]!, groups[i + 1]!);
  if (separator !== SPACE && separator !== DASH) return -1;
  if (i > 0 && lengthOf(groups, i - 1) === 4 && gapChar(text, groups[i - 1]!, groups[i]!) === separator) return -1;
  let end: number;
  let digits = 4;
  if (lengthOf(groups, i + 1) === 6) {
    // 4-6-4 / 4-6-5 (Amex, Diners).
    if (i + 2 >= groups.length || gapChar(text, groups[i + 1]!, groups[i + 2]!) !== separator) return -1;
    const last = lengthOf(groups, i + 2);
    if (last !== 4 && last !== 5) return -1;
    end = i + 3;
    digits = 10 + last;
  } else {
    end = i + 1;
    while (end < groups.length && gapChar(text, groups[end - 1]!, groups[end]!) === separator) {
      const length = lengthOf(groups, end);
      if (length > 4) break;
      digits += length;
      end++;
      if (length < 4 || digits > 19) break;
    }
  }
  if (digits < 13 || digits > 19) return -1;
  return luhnValid(text, groups[i]!.start, groups[end - 1]!.end) ? end : -1;
}

/**
 * US Social Security numbers, written `AAA-GG-SSSS` or `AAA GG SSSS`,
 * outside the ranges never issued (SSA: area 000, 666, 900-999; group 00;
 * serial 0000).
 */
function ssnAt(text: string, groups: Group[], i: number): number {
  if (i + 2 >= groups.length) return -1;
  const [a, g, s] = [groups[i]!, groups[i + 1]!, groups[i + 2]!];
  if (a.end - a.start !== 3 || g.end - g.start !== 2 || s.end - s.start !== 4) return -1;
  const gap = gapChar(text, a, g);
  if ((gap !== DASH && gap !== SPACE) || gapChar(text, g, s) !== gap) return -1;
  const area = Number(text.slice(a.start, a.end));
  if (area === 0 || area === 666 || area >= 900) return -1;
  if (text.slice(g.start, g.end) === '00' || text.slice(s.start, s.end) === '0000') return -1;
  return i + 3;
}

/**
 * Phone numbers as people write them:
 * - international (E.164): after a '+', 8-15 digits, the first not 0;
 * - North American: `(NXX) XXX-XXXX`, `NXX-XXX-XXXX`, `NXX.XXX.XXXX`, `NXX XXX XXXX`, optionally after `1`;
 * - national with a trunk 0 (UK and most of Europe): 10-11 digits in 2-4 groups of 2+, the first starting with 0.
 * A plain run of digits with no '+' and no separator is no phone number
 * (order numbers, card numbers, timestamps).
 */
function phoneAt(text: string, groups: Group[], i: number, plus: boolean): number {
  if (plus && i === 0) {
    let digits = 0;
    let best = -1;
    for (let j = 0; j < groups.length && j < 6; j++) {
      digits += groups[j]!.end - groups[j]!.start;
      if (digits > 15) break;
      if (digits >= 8) best = j + 1;
    }
    return best > 0 && text.charCodeAt(groups[0]!.start) !== 48 ? best : -1;
  }
  if (nanp(text, groups, i)) return i + 3;
  if (lengthOf(groups, i) === 1 && text.charCodeAt(groups[i]!.start) === 49 && nanp(text, groups, i + 1)) return i + 4;
  if (text.charCodeAt(groups[i]!.start) === 48) {
    let digits = 0;
    let best = -1;
    for (let j = i; j < groups.length && j - i < 4; j++) {
      const length = groups[j]!.end - groups[j]!.start;
      if (length < 2 || (j === i && length > 5)) break;
      digits += length;
      if (digits > 11) break;
      if (digits >= 10 && j > i) best = j + 1;
    }
    return best;
  }
  return -1;
}

/** `NXX XXX XXXX` from group `from`: area codes start with 2-9 (NANP); exchanges are not checked, so the 555-123-4567 of examples counts. */
function nanp(text: string, groups: Group[], from: number): boolean {
  if (from + 2 >= groups.length) return false;
  if (lengthOf(groups, from) !== 3 || lengthOf(groups, from + 1) !== 3 || lengthOf(groups, from + 2) !== 4) return false;
  return text.charCodeAt(groups[from]!.start) >= 50;
}

const NUMBER_KINDS = ['card', 'us_ssn', 'phone'] as const;

/**
 * Cards, SSNs and phone numbers, in that order of precedence, over the runs
 * of digit groups of a text. A match may start or end inside a run only at a
 * space (a number written next to another); at a '-' or '.' the run is one
 * number, and part of it is not matched.
 */
export const numberDetector: PiiDetector = {
  kinds: NUMBER_KINDS,
  scan(text, kinds, out) {
    for (const run of runsOf(text)) {
      const { groups } = run;
      let i = 0;
      while (i < groups.length) {
        if (i > 0 && gapChar(text, groups[i - 1]!, groups[i]!) !== SPACE) {
          i++;
          continue;
        }
        let matched = false;
        for (const kind of NUMBER_KINDS) {
          if (!kinds.has(kind)) continue;
          const end = kind === 'card' ? cardAt(text, groups, i) : kind === 'us_ssn' ? ssnAt(text, groups, i) : phoneAt(text, groups, i, run.plus);
          if (end < 0 || (end < groups.length && gapChar(text, groups[end - 1]!, groups[end]!) !== SPACE)) continue;
          const first = groups[i]!;
          // The '(' of "(555) 123-4567" and the '+' of "+44 20 …" belong to the number.
          let start = first.start;
          if (i === 0) {
            if (start > 0 && text.charCodeAt(start - 1) === 40) start--;
            if (start > 0 && text.charCodeAt(start - 1) === 43) start--;
          }
          out.push({ kind, start, end: groups[end - 1]!.end });
          i = end;
          matched = true;
          break;
        }
        if (!matched) i++;
      }
    }
  },
};

/* ------------------------------------------------------------- UK NINO */

// Fixed length (at most 13 characters from any start): linear in the text.
const NINO = /\b([A-Za-z])([A-Za-z]) ?(\d\d) ?(\d\d) ?(\d\d) ?([A-Da-d])\b/g;
const NINO_BAD_FIRST = new Set('DFIQUV');
const NINO_BAD_SECOND = new Set('DFIOQUV');
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);

/** UK National Insurance numbers (HMRC NIM39110: prefix letters, six digits, suffix A-D). */
export const ukNinoDetector: PiiDetector = {
  kinds: ['uk_nino'],
  scan(text, _kinds, out) {
    NINO.lastIndex = 0;
    for (let m = NINO.exec(text); m !== null; m = NINO.exec(text)) {
      const first = m[1]!.toUpperCase();
      const second = m[2]!.toUpperCase();
      if (NINO_BAD_FIRST.has(first) || NINO_BAD_SECOND.has(second) || NINO_BAD_PREFIX.has(first + second)) continue;
      out.push({ kind: 'uk_nino', start: m.index, end: m.index + m[0].length });
    }
  },
};

/** Fewest digits a match of a number kind holds: a UK NINO's six (a phone has 8 or more, an SSN 9, a card 13). */
const MIN_DIGITS = 6;

/** A digit, for counting with `test` (which moves `lastIndex` and builds no match array). */
const DIGIT = /[0-9]/g;

/**
 * False only when no detector of `kinds` can match `text`: an e-mail address
 * holds an '@', a number of any kind at least {@link MIN_DIGITS} digits. The
 * regular expression engine's and `indexOf`'s own scans (native, much faster
 * than a loop over characters in JavaScript), each stopping at what it looks
 * for: linear, and cheaper than any detector on the texts it rules out.
 */
export function mayHoldPii(text: string, kinds: ReadonlySet<PiiKind>): boolean {
  if (kinds.has('email') && text.indexOf('@') !== -1) return true;
  if (!kinds.has('card') && !kinds.has('us_ssn') && !kinds.has('phone') && !kinds.has('uk_nino')) return false;
  DIGIT.lastIndex = 0;
  for (let n = 0; n < MIN_DIGITS; n++) if (!DIGIT.test(text)) return false;
  return true;
}

/** The detectors, in order of precedence where their matches overlap. */
export const DETECTORS: readonly PiiDetector[] = [emailDetector, numberDetector, ukNinoDetector];

/**
 * The personal data of the kinds asked for in `text`: spans sorted by start,
 * never overlapping (on overlap, the earlier detector's match wins, then the
 * longer).
 */
export function findPii(text: string, kinds: ReadonlySet<PiiKind>): PiiMatch[] {
  const found: PiiMatch[] = [];
  // Most texts hold no '@' and few digits: no detector can match them, and none runs.
  if (!mayHoldPii(text, kinds)) return found;
  for (const detector of DETECTORS) {
    if (detector.kinds.some((k) => kinds.has(k))) detector.scan(text, kinds, found);
  }
  if (found.length < 2) return found;
  // Stable sort by start; the detector order breaks ties, then length.
  const ranked = found.map((m, order) => ({ m, order }));
  ranked.sort((a, b) => a.m.start - b.m.start || a.order - b.order || b.m.end - a.m.end);
  const out: PiiMatch[] = [];
  for (const { m } of ranked) {
    const last = out[out.length - 1];
    if (last === undefined || m.start >= last.end) out.push(m);
  }
  return out;
}
