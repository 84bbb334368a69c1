import type { RankedCandidate } from '../../ranking/index.js';

/**
 * When the router routes, asks or answers "no agent fits" on the ranking of
 * a text (ADR 0030). The values are calibrated on the tuning set
 * (`eval/routing/tuning.jsonl`, `npm run calibrate:routing`), never on an
 * evaluation set: the most requests routed right such that no request of
 * the tuning set that no agent does is routed.
 */
export interface RouteThresholds {
  /** The best candidate must cover this share of the request's words (IDF weighted, names and numbers aside)… */
  minCoverage: number;
  /** …and score at least this (raw): more than one word matched in a strong field, or a cue… */
  minRaw: number;
  /** …and at least this when one piece of evidence is all it has (one word: "plan a wedding" is not a campaign). */
  minRawSingle: number;
  /** A lower score suffices for a candidate covering {@link vagueCoverage} of the request with two pieces of evidence. */
  minRawFocused: number;
  /** Below those, two or more candidates covering this share make the request vague rather than foreign: the router asks. */
  vagueCoverage: number;
  /** A lower score still suffices for a candidate alone in its field: covering {@link dominantCoverage} with two pieces of evidence, the runner-up at most {@link dominance} of it. */
  minRawDominant: number;
  dominantCoverage: number;
  dominance: number;
  /**
   * Below every rule above, a best candidate scoring at least this, covering
   * {@link weakCoverage}, is not "no agent fits": the router asks the caller
   * to confirm it or the runner-up. A request none of the cards' words reach
   * stays "no agent".
   */
  minRawWeak: number;
  weakCoverage: number;
  /** A runner-up scoring at least this share of the best is a close call: the router asks between the two. */
  askRatio: number;
}

/** The calibrated values (`npm run calibrate:routing` prints how they were chosen). */
export const ROUTE_THRESHOLDS: Readonly<RouteThresholds> = Object.freeze({
  minCoverage: 0.2,
  minRaw: 2.5,
  minRawSingle: 3.4,
  minRawFocused: 2,
  vagueCoverage: 0.6,
  minRawDominant: 2.5,
  dominantCoverage: 0.4,
  dominance: 0.5,
  minRawWeak: Number.POSITIVE_INFINITY,
  weakCoverage: 0.3,
  askRatio: 0.85,
});

/** The verdict on a ranking, before health and skills: route to one, ask among a few, or none. */
export type RouteVerdict =
  | { kind: 'route'; chosen: RankedCandidate; close: RankedCandidate[] }
  | { kind: 'ask'; asked: RankedCandidate[]; why: 'vague' | 'weak' }
  | { kind: 'none'; best: RankedCandidate | undefined };

/**
 * Decides on `candidates` (best first, raw > 0): pure, so that calibration
 * and tests run it on rankings without a mesh. `close` lists the runner-ups
 * within {@link RouteThresholds.askRatio} of the best (the caller asks
 * between the best and the first of them unless health decides).
 */
export function routeVerdict(candidates: readonly RankedCandidate[], t: Readonly<RouteThresholds> = ROUTE_THRESHOLDS): RouteVerdict {
  const best = candidates[0];
  if (best === undefined) return { kind: 'none', best };
  const runnerUp = candidates[1]?.raw ?? 0;
  const fits =
    (best.raw >= t.minRaw && best.coverage >= t.minCoverage && (best.evidence >= 2 || best.raw >= t.minRawSingle)) ||
    (best.raw >= t.minRawFocused && best.coverage >= t.vagueCoverage && best.evidence >= 2) ||
    (best.raw >= t.minRawDominant && best.coverage >= t.dominantCoverage && best.evidence >= 2 && runnerUp <= best.raw * t.dominance);
  if (!fits) {
    // Vague: words several candidates know, nothing specific ("we need to do something about our leads").
    const vague = candidates.filter((c) => c.coverage >= t.vagueCoverage).slice(0, 3);
    if (vague.length >= 2) return { kind: 'ask', asked: vague, why: 'vague' };
    // Weak but not foreign: the caller confirms the best or picks the runner-up, rather than hearing "no agent fits".
    if (best.raw >= t.minRawWeak && best.coverage >= t.weakCoverage) return { kind: 'ask', asked: candidates.slice(0, 2), why: 'weak' };
    return { kind: 'none', best };
  }
  // The caller chooses between the top two when the margin is thin (ADR 0030): a third is rarely the one meant.
  const close = candidates.slice(1, 2).filter((c) => c.raw >= best.raw * t.askRatio && c.coverage >= t.minCoverage);
  return { kind: 'route', chosen: best, close };
}
