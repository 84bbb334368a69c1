import { defineAgent, type SkillContext, type SkillInputOf } from 'agentmesh';
import { evaluateLookalike, type LookalikeEvaluation } from './audience-architect/evaluate-lookalike.js';
import { lookalikeText } from './audience-architect/lookalike-text.js';
import { leadsById, scoreCandidates, type CandidateScores } from './audience-architect/score-candidates.js';
import { badInput } from './shared/bad-input.js';
import { convertedLeadIds, generatedLeads } from './shared/generated-leads.js';
import { sampleBestCustomers, sampleLeads, sampleProspectIds } from './shared/sample-leads.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const CREDITS_PER_CALL = 1;
const CREDITS_PER_CANDIDATE = 0.02;
const DEFAULT_TOP = 20;

interface LookalikeOutput extends CandidateScores {
  seeds: 'best-customers' | 'given';
  evaluation?: LookalikeEvaluation;
}

function summary(out: LookalikeOutput): string {
  const lines = out.candidates.slice(0, 10).map((c) => `${c.leadId} ${c.company}: ${c.score} (confidence ${c.confidence}; ${c.factors.map((f) => f.feature).join(', ')})`);
  const head = `${out.matched} of ${out.scored} candidates match ${out.seedCount} seed(s)${out.candidates.length > 10 ? `; best 10 of ${out.candidates.length} shown` : ''}`;
  const e = out.evaluation;
  const evaluation = e ? [`hold-out (${e.holdoutSize} leads, ${e.positives} converted): precision ${e.precision}, recall ${e.recall}, F1 ${e.f1} at score ≥ ${e.threshold}; AUC ${e.auc}; guessing "all convert" scores F1 ${e.baselineF1}`] : [];
  return [head, ...lines, ...evaluation].join('\n');
}

async function scoreLookalikeSkill(raw: SkillInputOf<typeof lookalikeInput>, ctx: SkillContext): Promise<LookalikeOutput | undefined> {
  const input: LookalikeInput = typeof raw === 'string' ? lookalikeText(raw) : raw;
  const seeds = input.seedIds === undefined ? sampleBestCustomers : leadsById(input.seedIds, 'seedIds');
  const candidates = input.candidateIds === undefined ? sampleProspectIds.map((id) => sampleLeads.get(id)!) : leadsById(input.candidateIds, 'candidateIds');
  if (input.threshold !== undefined && input.evaluate !== true) throw badInput('threshold', 'only applies with evaluate: true (it is the cut-off the evaluation measures)');
  ctx.progress(`Scoring ${candidates.length} candidates against ${seeds.length} seeds`);
  const result = scoreCandidates(candidates, seeds, {
    top: input.top ?? DEFAULT_TOP,
    minScore: input.minScore ?? 0,
    onProgress: (done, total) => {
      ctx.progress(`Scored ${done} of ${total} candidates`);
      return !ctx.signal.aborted;
    },
  });
  if (result === undefined || ctx.signal.aborted) return undefined;
  let evaluation: LookalikeEvaluation | undefined;
  if (input.evaluate === true) {
    ctx.progress(`Evaluating on the hold-out of ${generatedLeads().size} labelled leads`);
    evaluation = evaluateLookalike({
      leads: [...generatedLeads().values()],
      converted: convertedLeadIds(),
      ...(input.seedIds !== undefined && { seeds }),
      ...(input.threshold !== undefined && { threshold: input.threshold }),
    });
  }
  const out: LookalikeOutput = { ...result, seeds: input.seedIds === undefined ? 'best-customers' : 'given', ...(evaluation && { evaluation }) };
  ctx.usage({ credits: Math.round((CREDITS_PER_CALL + CREDITS_PER_CANDIDATE * result.scored) * 1000) / 1000, units: { candidates: result.scored } });
  ctx.artifact({ name: 'summary', parts: [{ text: summary(out) }] });
  return out;
}

const ids = (max: number) => ({ type: 'array', minItems: 1, maxItems: max, items: { type: 'string', minLength: 1, maxLength: 64 } }) as const;

/** The skill's input: text, or the data this schema describes; the handler's type is read from it (ADR 0012). */
const lookalikeInput = textOrData({
  type: 'object',
  additionalProperties: false,
  properties: {
    candidateIds: ids(10_000),
    seedIds: ids(5_000),
    top: { type: 'integer', minimum: 1, maximum: 10_000 },
    minScore: { type: 'number', minimum: 0, maximum: 100 },
    evaluate: { type: 'boolean' },
    threshold: { type: 'number', minimum: 0, maximum: 100 },
  },
});
type LookalikeInput = Exclude<SkillInputOf<typeof lookalikeInput>, string>;

/** Seed 004's AudienceArchitect: lookalike audiences from a seed set, with the model's measured precision and recall. */
export default defineAgent({
  card: {
    name: 'audience-architect',
    description: 'Builds lookalike audiences: finds the prospects most similar to a seed set of customers (industry, region, company size, revenue, engagement), with a confidence and the reasons per prospect, and measures the model on a labelled hold-out.',
    ...EXAMPLE_PUBLISHER,
  },
  defaultSkill: 'score-lookalike',
  registry: {
    department: 'marketing',
    owner: 'audience-team@example.com',
    costCenter: 'CC-MKT-07',
    sla: { tier: 'silver', availability: 99.5, maxLatencyMs: 3000 },
    tags: ['dealscale', 'audience'],
    skills: { 'score-lookalike': { pricing: { creditsPerCall: CREDITS_PER_CALL, creditsPerItem: CREDITS_PER_CANDIDATE, itemsPath: 'candidateIds' } } },
  },
  skills: {
    'score-lookalike': {
      name: 'Score lookalike audience',
      description:
        'Scores candidate prospects 0-100 by how similar their feature vectors (industry, region, log size, log revenue, engagement) are to a seed set (default: the best customers), with a confidence and the top contributing factors each; with evaluate: true, also the precision, recall and F1 of the model on a labelled hold-out. Data { candidateIds?, seedIds?, top?, minScore?, evaluate?, threshold? } or text.',
      tags: ['audience', 'lookalike', 'seed-set', 'segmentation', 'targeting', 'precision-recall'],
      examples: [
        'build a lookalike audience of our best customers',
        'find prospects similar to lead-002, lead-004 and lead-045',
        'how accurate is the lookalike model? give me precision, recall and F1',
        '{"candidateIds":["lead-00001","lead-00002"],"seedIds":["lead-045","lead-047"],"top":10}',
        '{"evaluate":true}',
      ],
      input: lookalikeInput,
      idempotent: true,
      handler: scoreLookalikeSkill,
    },
  },
});
