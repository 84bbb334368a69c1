import type { SampleLead } from '../shared/sample-leads.js';
import { buildProfile, lookalikeScoreOnly, type SeedProfile } from './lookalike-model.js';

/**
 * Measures the lookalike model on labelled leads, as one would before
 * trusting it with a campaign budget:
 *
 * 1. Split: every fifth lead (positions 5, 10, 15…) is the hold-out; the
 *    rest is training. Fixed, so the figure is the same on every run.
 * 2. Seeds: the converted training leads (or the seeds the caller names,
 *    which then leave the hold-out: a seed scored against itself proves nothing).
 * 3. Threshold: the score at or above which a lead is predicted to convert,
 *    chosen to maximize F1 on the training split (or given by the caller).
 * 4. Precision, recall and F1 of that threshold on the hold-out, plus the
 *    threshold-free ROC AUC.
 */

export interface LookalikeEvaluation {
  precision: number;
  recall: number;
  f1: number;
  /** Area under the ROC curve on the hold-out: the chance a converted lead outscores one that did not. */
  auc: number;
  threshold: number;
  thresholdChosenBy: 'training-f1' | 'caller';
  holdoutSize: number;
  /** Converted leads in the hold-out. */
  positives: number;
  predictedPositives: number;
  truePositives: number;
  /** Share of the hold-out that converted: the precision of a model that guesses. */
  baseRate: number;
  /** F1 of predicting "converts" for every lead: what the model must beat. */
  baselineF1: number;
  seedCount: number;
  seeds: 'training-conversions' | 'given';
}

export interface EvaluateOptions {
  /** Labelled leads, in a stable order. */
  leads: readonly SampleLead[];
  converted: ReadonlySet<string>;
  /** Seeds to evaluate instead of the converted training leads. */
  seeds?: readonly SampleLead[];
  threshold?: number;
}

const HOLDOUT_EVERY = 5;
const MAX_SCORE = 100;

/** Scores bucketed by integer value (0–100), positives and negatives apart: every threshold's counts in one pass. */
function histograms(leads: readonly SampleLead[], converted: ReadonlySet<string>, profile: SeedProfile): { pos: number[]; neg: number[] } {
  const pos = new Array<number>(MAX_SCORE + 1).fill(0);
  const neg = new Array<number>(MAX_SCORE + 1).fill(0);
  for (const lead of leads) (converted.has(lead.id) ? pos : neg)[lookalikeScoreOnly(lead, profile)]! += 1;
  return { pos, neg };
}

function countsAt(h: { pos: number[]; neg: number[] }, threshold: number): { tp: number; fp: number; positives: number } {
  let tp = 0;
  let fp = 0;
  for (let s = Math.max(0, Math.ceil(threshold)); s <= MAX_SCORE; s++) {
    tp += h.pos[s]!;
    fp += h.neg[s]!;
  }
  return { tp, fp, positives: h.pos.reduce((a, b) => a + b, 0) };
}

function f1Of(tp: number, fp: number, positives: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = positives === 0 ? 0 : tp / positives;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/** Mann-Whitney AUC from the histograms; a tie counts half. */
function aucOf(h: { pos: number[]; neg: number[] }): number {
  const positives = h.pos.reduce((a, b) => a + b, 0);
  const negatives = h.neg.reduce((a, b) => a + b, 0);
  if (positives === 0 || negatives === 0) return 0.5;
  let below = 0;
  let wins = 0;
  for (let s = 0; s <= MAX_SCORE; s++) {
    wins += h.pos[s]! * (below + h.neg[s]! / 2);
    below += h.neg[s]!;
  }
  return wins / (positives * negatives);
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Evaluates the model; see the file comment for the protocol.
 *
 * @example
 * evaluateLookalike({ leads: generated.leads, converted: new Set(generated.convertedIds) });
 * // { precision: 0.41, recall: 0.58, f1: 0.48, threshold: 71, holdoutSize: 2000, … }
 */
export function evaluateLookalike(options: EvaluateOptions): LookalikeEvaluation {
  const given = options.seeds !== undefined;
  const seedIds = new Set((options.seeds ?? []).map((s) => s.id));
  const training: SampleLead[] = [];
  const holdout: SampleLead[] = [];
  options.leads.forEach((lead, i) => {
    if ((i + 1) % HOLDOUT_EVERY === 0) {
      if (!seedIds.has(lead.id)) holdout.push(lead);
    } else training.push(lead);
  });
  const seeds = options.seeds ?? training.filter((l) => options.converted.has(l.id));
  const profile = buildProfile(seeds);

  let threshold = options.threshold;
  if (threshold === undefined) {
    const train = histograms(training, options.converted, profile);
    let best = -1;
    for (let t = 0; t <= MAX_SCORE; t++) {
      const { tp, fp, positives } = countsAt(train, t);
      const { f1 } = f1Of(tp, fp, positives);
      if (f1 > best) {
        best = f1;
        threshold = t;
      }
    }
  }
  const test = histograms(holdout, options.converted, profile);
  const { tp, fp, positives } = countsAt(test, threshold!);
  const { precision, recall, f1 } = f1Of(tp, fp, positives);
  const baseRate = holdout.length === 0 ? 0 : positives / holdout.length;
  return {
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
    auc: round(aucOf(test)),
    threshold: threshold!,
    thresholdChosenBy: options.threshold === undefined ? 'training-f1' : 'caller',
    holdoutSize: holdout.length,
    positives,
    predictedPositives: tp + fp,
    truePositives: tp,
    baseRate: round(baseRate),
    baselineF1: round(positives === 0 ? 0 : (2 * baseRate) / (1 + baseRate)),
    seedCount: seeds.length,
    seeds: given ? 'given' : 'training-conversions',
  };
}
