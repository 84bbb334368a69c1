import { stemmer } from 'stemmer';

/**
 * Intent cues: phrasings that say what kind of work is asked even when the
 * words of a card are not used ("similar to", "cost of", "forecast",
 * "qualify", "who picks that up?"). A cue found in a request favours the
 * candidates whose strong fields (name, skills, tags, department) hold one
 * of its `prefers` words, and counts as covering the words it spans.
 *
 * The table is general business vocabulary, one line per intent, not a
 * list of requests: each pattern names a way people ask for that kind of
 * work. A cue never decides alone; it adds to the field-weighted score.
 */
export interface IntentCue {
  /** Short id, shown in explanations: `cue:lookalike`. */
  id: string;
  pattern: RegExp;
  /** Words (stemmed on load) a candidate's name, skills, tags or department must hold to be favoured. */
  prefers: string[];
  /** Candidate kinds it favours; `workflow` cues favour multi-step workflows. */
  kind?: 'agent' | 'workflow';
  /** Added to a favoured candidate's score, in units of a well-matched word. */
  weight: number;
}

const CUES: readonly IntentCue[] = [
  {
    id: 'lookalike',
    pattern: /\b(similar (to|companies|prospects)|resembl\w*|look[- ]?alike\w*|looks? like (our|the)|most like|(match|matches|matching) the profile|closest match\w*|ideal customer|seed (set|list)?|like the (ones|customers) (that|who|we))\b/i,
    prefers: ['lookalike', 'seed-set', 'audience'],
    weight: 3,
  },
  {
    id: 'cost',
    pattern: /\b(cost of|costs? (us|per)|what (would|do|does) .{0,40} cost|how much (is|will|would)|price (out|this|including)|pric(e|ing) (for|of)|quote:?|invoice total|total up|discount|vat|sales tax|annual cost|monthly spend|spend if)\b/i,
    prefers: ['cost', 'pricing', 'quote'],
    weight: 2.5,
  },
  {
    id: 'forecast',
    pattern: /\b(forecast\w*|predict\w*|project(ed|ions?|ing)|extrapolat\w*|outlook|trend(ing|s)?|what comes next|expected range|going to move|will .{0,30} look like|(the )?next (few |\d+ |two |three |four |six |twelve )?(days|weeks|months|quarters|years))\b|(\d[\d.]*\s*,\s*){3,}\d/i,
    prefers: ['forecast', 'prediction', 'projection'],
    weight: 2.5,
  },
  {
    // Line items ("12 seats at 49", "200 hours at 75 an hour"): quantities priced, a total asked.
    id: 'line-items',
    pattern: /\b\d[\d,.]*\s+[a-z][\w-]*(\s[a-z][\w-]*)?\s+(at|for|@)\s+\$?€?£?\d/i,
    prefers: ['cost', 'pricing', 'totals'],
    weight: 2,
  },
  {
    id: 'qualify',
    pattern: /\b(qualif\w*|sales[- ]ready|hottest|worth a (sales )?call|most promising|promising|grade on|rank (our|these|the) \w*\s?leads|score (lead|these|the leads)|high, medium and low)\b/i,
    prefers: ['qualification', 'prioritization'],
    weight: 2.5,
  },
  {
    id: 'pipeline',
    pattern: /\b(pipeline|break (it )?down|by (segment|region|industry)|in each (region|segment)|which segment|average score)\b/i,
    prefers: ['pipeline', 'analysis'],
    weight: 2,
  },
  {
    id: 'follow-up',
    pattern: /\b(follow[- ]?ups?|follows up|cadence|round[- ]robin|reminder|touches|automate\w*|after the (outreach|first email|launch)|break-up emails?|sequence|again after|(went|gone|goes) out|(just|we) (launched|sent))\b/i,
    prefers: ['follow-up', 'cadence', 'automation'],
    weight: 2.5,
  },
  {
    id: 'outreach',
    pattern: /\b(campaign|outreach|blast|promo|marketing push|email (the|all)|reach(ing)? out|ads?)\b/i,
    prefers: ['campaign', 'outreach'],
    weight: 1.5,
  },
  {
    id: 'support',
    pattern: /\b(can'?t log ?in|locked out|down for|crash\w*|errors?|bug|billed|charged twice|refund|complaint|incident|ticket|reported|outage|urgent|who picks (that|this) up|who should handle|which team|triage|prioriti[sz]e this|feature request|asking (if|whether) we could)\b/i,
    prefers: ['support', 'ticket', 'triage'],
    weight: 2.5,
  },
  {
    id: 'policy',
    pattern: /\b(vacation|holidays?|days off|time off|sick (days?|leave)|parental|having a baby|work from home|remote work|benefits?|reimburs\w*|harass\w*|coworker|resign\w*|notice period do employees|policy on|training courses?|expenses? for)\b/i,
    prefers: ['policy', 'handbook', 'benefits'],
    weight: 2.5,
  },
  {
    id: 'contract',
    pattern: /\b(contract|agreement|msa|nda|clauses?|terms and conditions|indemni\w*|liability|governs?|exclusivity|renews? automatically|red flags)\b/i,
    prefers: ['contract', 'legal', 'clauses'],
    weight: 1.5,
  },
  {
    id: 'enrich',
    pattern: /\b(firmographics?|enrich\w*|headcount|employee count|annual revenue|fill (in|the blanks)|append segment|sector)\b/i,
    prefers: ['enrichment', 'firmographics'],
    weight: 2,
  },
  {
    id: 'dedupe',
    pattern: /\b(duplicat\w*|dedup\w*|two or three times|same person|same company|different spellings?|merge)\b/i,
    prefers: ['deduplication', 'dedupe'],
    weight: 2.5,
  },
  {
    id: 'proposal',
    pattern: /\b(proposal|offer document|quote document|customer-facing|customer offer)\b/i,
    prefers: ['proposal'],
    weight: 2,
  },
  {
    id: 'echo',
    pattern: /\b(echo|repeat (back|what)|say hello back|so I know the mesh works)\b/i,
    prefers: ['echo'],
    weight: 3,
  },
  {
    // Several kinds of work in one request, or the words of a pipeline run: a workflow's job.
    id: 'multi-step',
    pattern: /\b(end to end|the full|the whole|in batches|all ten thousand|every generated|through (legal|enrichment)|several|multiple|at once|fall ?back|fallback|, and (draft|launch|produce|give)|and launch a campaign|and start an? \w+ campaign|enrichment, scoring)\b/i,
    prefers: [],
    kind: 'workflow',
    weight: 3,
  },
];

/** A cue found in a request. */
export interface CueMatch {
  cue: IntentCue;
  /** The words of the request it matched, as written. */
  text: string;
  /** Stems of the words it spans: counted as covered. */
  stems: Set<string>;
  /** Stems of `prefers`. */
  prefers: Set<string>;
}

const COMPILED = CUES.map((cue) => ({ cue, prefers: new Set(cue.prefers.flatMap((p) => p.toLowerCase().split(/[-\s]/)).map((w) => stemmer(w))) }));

/** The cues `text` holds, in table order. */
export function findCues(text: string): CueMatch[] {
  const found: CueMatch[] = [];
  for (const { cue, prefers } of COMPILED) {
    const match = cue.pattern.exec(text);
    if (match === null) continue;
    const stems = new Set((match[0].toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => stemmer(w)));
    found.push({ cue, text: match[0], stems, prefers });
  }
  return found;
}

/** Every cue id, for docs and tests. */
export const CUE_IDS: readonly string[] = CUES.map((c) => c.id);
