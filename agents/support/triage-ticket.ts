import { BROAD_IMPACT, CATEGORY_RULES, FIRST_RESPONSE_HOURS, GENERAL, URGENCY } from './triage-rules.js';

/** Weight of a category's decisive phrases (see `CategoryRule.overrides`). */
const DECISIVE_WEIGHT = 3;

export type CustomerTier = 'free' | 'standard' | 'business' | 'enterprise';

export interface Ticket {
  subject?: string;
  body: string;
  customerTier?: CustomerTier;
}

export interface Triage {
  category: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  team: string;
  firstResponseHours: number;
  /** Share of the keyword evidence that points to the chosen category, 0–1. */
  confidence: number;
  /** The words that decided the category. */
  matched: string[];
  /** Why the priority is above the category's usual one. */
  escalations: string[];
  /** Other categories the ticket also reads as, best first. */
  alternatives: Array<{ category: string; score: number }>;
}

/**
 * Triages a support ticket with keyword rules: the category with the most
 * weighted evidence (ties to the earlier, more serious category; a decisive
 * security phrase wins outright), its owning
 * team, and a priority raised one level each for broad impact, stated
 * urgency and an enterprise customer. Feature requests stay P3 or lower.
 *
 * @example
 * triageTicket({ body: 'The dashboard has been down for all users since 9am' });
 * // { category: 'outage', priority: 'P1', team: 'SRE on-call', ... }
 */
export function triageTicket(ticket: Ticket): Triage {
  const text = [ticket.subject, ticket.body].filter((s) => s !== undefined && s !== '').join('\n');
  const scored = CATEGORY_RULES.map((rule, order) => {
    const matched: string[] = [];
    let score = 0;
    for (const [pattern, weight] of rule.patterns) {
      const hits = [...text.matchAll(new RegExp(pattern.source, 'gi'))].map((m) => m[0].toLowerCase());
      if (hits.length > 0) {
        score += weight;
        matched.push(...hits);
      }
    }
    const decisive = rule.overrides === true && rule.patterns.some(([pattern, weight]) => weight >= DECISIVE_WEIGHT && pattern.test(text));
    return { rule, order, score, decisive, matched: [...new Set(matched)] };
  });
  const ranked = scored.filter((s) => s.score > 0).sort((a, b) => Number(b.decisive) - Number(a.decisive) || b.score - a.score || a.order - b.order);
  const best = ranked[0];
  const total = ranked.reduce((sum, s) => sum + s.score, 0);

  const category = best?.rule.id ?? GENERAL.id;
  let priority = best?.rule.basePriority ?? GENERAL.basePriority;
  const escalations: string[] = [];
  const impact = BROAD_IMPACT.exec(text);
  if (impact) escalations.push(`broad impact ("${impact[0]}")`);
  const urgency = URGENCY.exec(text);
  if (urgency) escalations.push(`marked urgent ("${urgency[0]}")`);
  if (ticket.customerTier === 'enterprise') escalations.push('enterprise customer');
  priority = Math.max(1, priority - escalations.length);
  // A missing feature is never an emergency, however loudly it is asked for.
  if (category === 'feature-request') priority = Math.max(3, priority);

  return {
    category,
    priority: `P${priority}` as Triage['priority'],
    team: best?.rule.team ?? GENERAL.team,
    firstResponseHours: FIRST_RESPONSE_HOURS[priority]!,
    confidence: best ? Math.round((best.score / total) * 100) / 100 : 0,
    matched: best?.matched ?? [],
    escalations,
    alternatives: ranked.slice(1, 4).map((s) => ({ category: s.rule.id, score: s.score })),
  };
}
