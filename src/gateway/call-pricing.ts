import { estimateCost } from '../tenancy/index.js';
import type { AgentRecord, SkillMetadata } from '../contracts/registry/index.js';
import { isRecord } from '../protocol/index.js';

type Record_ = AgentRecord;

/** What a message send will cost, and which scopes its skill needs. */
export interface CallTerms {
  /** The skill the message targets, when the gateway can tell (`metadata.skillId`, or the agent's only skill). */
  skill: string | undefined;
  milliCredits: number;
  /** Scopes on top of the operation's: the agent's, and the skill's (every skill's when the skill is unknown). */
  scopes: string[];
}

/**
 * The terms of a call to `record` carrying `message` (v1.0 or v0.3 JSON).
 * When the skill cannot be told (several skills, none named) the gateway
 * reserves the dearest skill's price and requires every skill's scopes:
 * the runtime may route the message to any of them, and a hold that is too
 * high is given back at settlement while one too low would be a free call.
 */
export function callTerms(record: Record_, message: Record<string, unknown> | undefined): Readonly<CallTerms> {
  const skills = record.card.skills;
  const skill = skillIdOf(message) ?? (skills?.length === 1 ? skills[0]!.id : undefined);
  if (skill === undefined) return callTermsInFull(record, message);
  let bySkill = termsBySkill.get(record);
  const known = bySkill?.get(skill);
  if (known !== undefined) return known;
  const terms = callTermsInFull(record, message);
  // Kept only when the message cannot change them (a price per item counts the input's items), and only for a skill
  // the card declares: a skill id is the caller's text, and one kept per id sent would grow without bound.
  if (isPerCall(record.metadata.skills?.[skill]?.pricing) && skills?.some((s) => s.id === skill) === true) {
    if (bySkill === undefined) termsBySkill.set(record, (bySkill = new Map()));
    const kept = Object.freeze({ ...terms, scopes: Object.freeze(terms.scopes) as string[] });
    bySkill.set(skill, kept);
    return kept;
  }
  return terms;
}

/**
 * The terms of a known skill whose price is per call, per record object (a record is replaced, never changed, when
 * the registry changes it): they depend on the record and the skill alone, and a call neither reads its input
 * (joining its texts) nor builds its scopes anew. Frozen, as every call of the skill shares them.
 */
const termsBySkill = new WeakMap<Record_, Map<string, Readonly<CallTerms>>>();

/** A price the input cannot change: none, or per call only (a price per item of 0 counts no item). */
function isPerCall(pricing: SkillMetadata['pricing'] | undefined): boolean {
  return pricing === undefined || pricing === null || (typeof pricing === 'object' && (pricing.creditsPerItem === undefined || pricing.creditsPerItem === 0));
}

/** {@link callTerms} computed from the message, as every call did before: exported for the test that holds the kept terms to it. */
export function callTermsInFull(record: Record_, message: Record<string, unknown> | undefined): CallTerms {
  const skills = record.card.skills ?? [];
  const meta: Record<string, SkillMetadata> = record.metadata.skills ?? {};
  const named = skillIdOf(message);
  const skill = named ?? (skills.length === 1 ? skills[0]!.id : undefined);
  // A text message to a per-item skill counts as one item (seed 004's rule for a
  // missing count), rather than refusing a call the agent itself accepts.
  const data = skillInputOf(message);
  const input = data !== null && typeof data === 'object' ? data : {};
  const agentScopes = record.metadata.requiredScopes ?? [];
  if (skill !== undefined) {
    const m = meta[skill];
    return { skill, milliCredits: m?.pricing ? estimateCost(m.pricing, input) : 0, scopes: [...agentScopes, ...(m?.requiredScopes ?? [])] };
  }
  let milliCredits = 0;
  const scopes = new Set(agentScopes);
  for (const m of Object.values(meta)) {
    if (m.pricing) milliCredits = Math.max(milliCredits, estimateCost(m.pricing, input));
    for (const s of m.requiredScopes ?? []) scopes.add(s);
  }
  return { skill: undefined, milliCredits, scopes: [...scopes] };
}

function skillIdOf(message: Record<string, unknown> | undefined): string | undefined {
  const metadata = message?.['metadata'];
  const id = isRecord(metadata) ? metadata['skillId'] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * The skill input as the runtime reads it: the first data part, else the
 * text. JSON shapes: v1.0 and v0.3 JSON-RPC carry `parts` (`{ data }` /
 * `{ kind: 'data', data }`); v0.3 HTTP+JSON carries proto JSON, `content`
 * with `{ data: { data } }` and `{ text }`.
 */
export function skillInputOf(message: Record<string, unknown> | undefined): unknown {
  const proto = !Array.isArray(message?.['parts']) && Array.isArray(message?.['content']);
  const list = proto ? message?.['content'] : message?.['parts'];
  const parts: readonly unknown[] = Array.isArray(list) ? list : [];
  for (const p of parts) {
    if (!isRecord(p) || p['data'] === undefined) continue;
    if (!proto) return p['data'];
    const data = p['data'];
    return isRecord(data) ? data['data'] : undefined;
  }
  // The texts joined, as `parts.map(text or '').join('')` would, without the array and the closure: one text part is its text.
  let text = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (isRecord(p) && typeof p['text'] === 'string') text += p['text'];
  }
  return text;
}
