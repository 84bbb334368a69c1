import { jaroWinkler } from './jaro-winkler.js';
import { normalizeCompany, normalizeEmail, normalizeName } from './normalize.js';

/** A contact or account record to deduplicate; fields beyond these are carried through. */
export interface ContactRecord {
  id?: string;
  name?: string;
  email?: string;
  company?: string;
  [field: string]: unknown;
}

/** One record removed as a duplicate of the kept one, with the evidence. */
export interface DuplicateMatch {
  id: string;
  /** Similarity to the record it matched, 0–1. */
  score: number;
  /** Why it matched, e.g. "same email" or "name 0.97, company 1.00". */
  reason: string;
}

export interface DuplicateGroup {
  /** Id of the surviving record (the first one in input order). */
  keep: string;
  duplicates: DuplicateMatch[];
}

export interface DedupeResult {
  /** One record per distinct entity, in input order; blanks filled from its duplicates. */
  records: Array<ContactRecord & { id: string; mergedIds: string[] }>;
  duplicates: DuplicateGroup[];
  inputCount: number;
  uniqueCount: number;
  removedCount: number;
}

export interface DedupeOptions {
  /** Two records are the same entity at or above this similarity. Default 0.9. */
  threshold?: number;
  /** Called as comparison advances, with records done and total. */
  onProgress?: (done: number, total: number) => void;
}

interface Prepared {
  id: string;
  name: string;
  company: string;
  email: string;
}

// A name tells people apart better than the employer does (many people per company).
const NAME_WEIGHT = 0.55;
const COMPANY_WEIGHT = 0.45;
// Different addresses at one domain are usually aliases; across domains, two people.
const OTHER_ADDRESS_SAME_DOMAIN = 0.97;
const OTHER_ADDRESS_OTHER_DOMAIN = 0.85;

function digitsOf(value: string): string {
  return (value.match(/\d+/g) ?? []).join(' ');
}

/**
 * Similarity of two normalized values, undefined when either is missing.
 * Numbers must agree exactly: "Company 001" and "Company 002" differ in
 * one character yet are different companies.
 */
function fieldSimilarity(a: string, b: string): number | undefined {
  if (a === '' || b === '') return undefined;
  if (digitsOf(a) !== digitsOf(b)) return 0;
  return jaroWinkler(a, b);
}

/** How alike two prepared records are, 0–1, and why. */
export function matchScore(a: Prepared, b: Prepared): { score: number; reason: string } {
  if (a.email !== '' && a.email === b.email) return { score: 1, reason: 'same email' };
  const name = fieldSimilarity(a.name, b.name);
  const company = fieldSimilarity(a.company, b.company);
  let weighted = 0;
  let weights = 0;
  const reasons: string[] = [];
  if (name !== undefined) {
    weighted += NAME_WEIGHT * name;
    weights += NAME_WEIGHT;
    reasons.push(`name ${name.toFixed(2)}`);
  }
  if (company !== undefined) {
    weighted += COMPANY_WEIGHT * company;
    weights += COMPANY_WEIGHT;
    reasons.push(`company ${company.toFixed(2)}`);
  }
  if (weights === 0) return { score: 0, reason: 'nothing to compare' };
  let score = weighted / weights;
  if (a.email !== '' && b.email !== '') {
    const sameDomain = a.email.slice(a.email.indexOf('@')) === b.email.slice(b.email.indexOf('@'));
    score *= sameDomain ? OTHER_ADDRESS_SAME_DOMAIN : OTHER_ADDRESS_OTHER_DOMAIN;
    reasons.push(sameDomain ? 'other address, same domain' : 'different email domains');
  }
  return { score: Math.round(score * 1000) / 1000, reason: reasons.join(', ') };
}

/**
 * Keys that put possibly-equal records in the same bucket, so only those
 * are compared (blocking) instead of every pair: the address, and the first
 * letters of each name and company word. A typo in both first letters of
 * every word is the price of not comparing n² pairs.
 */
function blockKeys(r: Prepared): string[] {
  const keys: string[] = [];
  if (r.email !== '') keys.push(`e:${r.email}`);
  for (const w of r.name.split(' ')) if (w.length >= 2) keys.push(`n:${w.slice(0, 2)}`);
  for (const w of r.company.split(' ')) if (w.length >= 2) keys.push(`c:${w.slice(0, 3)}`);
  return keys;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Finds records that describe the same person or company and merges them:
 * the first of each group survives, its blank fields filled from the others.
 * Deterministic: same input, same groups, same order.
 *
 * @example
 * dedupeRecords([{ name: 'Jane Doe', company: 'Acme Inc.' }, { name: 'doe, jane', company: 'ACME' }]).uniqueCount; // 1
 */
export function dedupeRecords(input: readonly ContactRecord[], options: DedupeOptions = {}): DedupeResult {
  const threshold = options.threshold ?? 0.9;
  const prepared: Prepared[] = input.map((r, i) => ({
    id: typeof r.id === 'string' && r.id !== '' ? r.id : `record-${i + 1}`,
    name: typeof r.name === 'string' ? normalizeName(r.name) : '',
    company: typeof r.company === 'string' ? normalizeCompany(r.company) : '',
    email: typeof r.email === 'string' ? normalizeEmail(r.email) : '',
  }));
  const blocks = new Map<string, number[]>();
  const keysOf = prepared.map(blockKeys);
  keysOf.forEach((keys, i) => {
    for (const key of keys) {
      const block = blocks.get(key);
      if (block) block.push(i);
      else blocks.set(key, [i]);
    }
  });

  const parent = prepared.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const best = new Map<number, { score: number; reason: string }>();
  const note = (i: number, match: { score: number; reason: string }): void => {
    const current = best.get(i);
    if (!current || match.score > current.score) best.set(i, match);
  };

  const progressEvery = Math.max(1, Math.ceil(prepared.length / 10));
  for (let i = 0; i < prepared.length; i++) {
    const candidates = new Set<number>();
    for (const key of keysOf[i]!) for (const j of blocks.get(key)!) if (j > i) candidates.add(j);
    for (const j of [...candidates].sort((x, y) => x - y)) {
      const match = matchScore(prepared[i]!, prepared[j]!);
      if (match.score < threshold) continue;
      note(i, match);
      note(j, match);
      const [ri, rj] = [find(i), find(j)];
      // The earliest record roots its group, so it is the one kept.
      if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
    }
    if ((i + 1) % progressEvery === 0) options.onProgress?.(i + 1, prepared.length);
  }

  const groups = new Map<number, number[]>();
  prepared.forEach((_, i) => {
    const root = find(i);
    const members = groups.get(root);
    if (members) members.push(i);
    else groups.set(root, [i]);
  });

  const records: DedupeResult['records'] = [];
  const duplicates: DuplicateGroup[] = [];
  for (const [root, members] of [...groups].sort((a, b) => a[0] - b[0])) {
    const merged: ContactRecord = { ...input[root], id: prepared[root]!.id };
    for (const m of members.slice(1)) {
      for (const [field, value] of Object.entries(input[m]!)) if (field !== 'id' && isBlank(merged[field]) && !isBlank(value)) merged[field] = value;
    }
    const mergedIds = members.slice(1).map((m) => prepared[m]!.id);
    records.push({ ...merged, id: prepared[root]!.id, mergedIds });
    if (mergedIds.length > 0) {
      duplicates.push({ keep: prepared[root]!.id, duplicates: members.slice(1).map((m) => ({ id: prepared[m]!.id, ...best.get(m)! })) });
    }
  }
  return { records, duplicates, inputCount: input.length, uniqueCount: records.length, removedCount: input.length - records.length };
}
