import type { AgentCard } from '@a2a-js/sdk';
import { stemSet, type TextTerm } from '../../ranking/index.js';

/** How well one agent's card matches the words of a message. */
export interface CardMatch {
  /** The best-matching skill (the only one, for an agent of one skill); undefined when none matched better than the card itself (the agent's default applies). */
  skill: string | undefined;
  /** The message's words found anywhere on the card, in message order. */
  matched: string[];
  /** Weighted count of message words the best skill (with the card's own name and description) matched. */
  score: number;
}

/**
 * Where a word is found says how much it counts, as in the registry's field
 * boosts: a skill's name or id and its tags are what the skill is; its
 * description and examples are longer prose; the card's name and description
 * speak for every skill at once.
 */
const WEIGHTS = { skillName: 3, tags: 2, card: 1.5, description: 1, examples: 1 } as const;

/**
 * Scores each skill of `card` against the message `terms` and returns the
 * best one with the words that matched. Ties keep the card's order, so the
 * first-declared skill wins among equals.
 *
 * @example
 * matchCard(legalCard, [], textTerms('review this contract')); // { skill: 'review-contract', matched: ['review', 'contract'], score: 6 }
 */
export function matchCard(card: AgentCard, recordTags: readonly string[], terms: readonly TextTerm[]): CardMatch {
  const cardStems = stemSet([card.name, card.description]);
  const recordTagStems = stemSet(recordTags);
  const everywhere = new Set([...cardStems, ...recordTagStems]);
  let best: { skill: string | undefined; score: number } = { skill: undefined, score: 0 };
  let cardOnly = 0;
  for (const term of terms) if (cardStems.has(term.stem)) cardOnly += WEIGHTS.card;
  for (const skill of card.skills) {
    const fields = {
      skillName: stemSet([skill.id, skill.name]),
      tags: stemSet(skill.tags ?? []),
      description: stemSet([skill.description]),
      examples: stemSet(skill.examples ?? []),
    };
    for (const stems of Object.values(fields)) for (const stem of stems) everywhere.add(stem);
    let score = 0;
    for (const term of terms) {
      let weight = 0;
      for (const field of ['skillName', 'tags', 'description', 'examples'] as const) if (fields[field].has(term.stem)) weight = Math.max(weight, WEIGHTS[field]);
      if (recordTagStems.has(term.stem)) weight = Math.max(weight, WEIGHTS.tags);
      if (cardStems.has(term.stem)) weight = Math.max(weight, WEIGHTS.card);
      score += weight;
    }
    if (score > best.score) best = { skill: skill.id, score };
  }
  // A skill that matches nothing beyond what the card says of itself is no better than the default
  // (and an agent of one skill has no choice to make).
  const only = card.skills.length === 1 ? card.skills[0]?.id : undefined;
  const skill = best.score > cardOnly ? best.skill : only;
  return { skill, matched: terms.filter((t) => everywhere.has(t.stem)).map((t) => t.word), score: Math.max(best.score, cardOnly) };
}
