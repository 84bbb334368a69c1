import { generateLeads } from '../data/generate-leads.js';
import type { SampleLead } from './sample-leads.js';

interface GeneratedLeads {
  byId: ReadonlyMap<string, SampleLead>;
  ids: readonly string[];
  converted: ReadonlySet<string>;
}

let drawn: GeneratedLeads | undefined;

/**
 * Drawn once, on first use, and shared by every agent of the process. Not at
 * module load: drawing 10,000 leads costs about 0.2 s of CPU, which every
 * process that merely imports the example agents (`agentmesh serve gateway`
 * builds its help from their names) would otherwise pay.
 */
function leads(): GeneratedLeads {
  if (drawn === undefined) {
    const generated = generateLeads();
    drawn = { byId: new Map(generated.leads.map((l) => [l.id, l])), ids: generated.leads.map((l) => l.id), converted: new Set(generated.convertedIds) };
  }
  return drawn;
}

/** The 10,000 synthetic leads of `data/generate-leads.ts` (`lead-00001`…), by id, in id order. */
export function generatedLeads(): ReadonlyMap<string, SampleLead> {
  return leads().byId;
}

/** Their ids in order: what `data-engineer` `list-leads` pages through. */
export function generatedLeadIds(): readonly string[] {
  return leads().ids;
}

/** Generated leads that converted: the ground truth the lookalike model is evaluated on. */
export function convertedLeadIds(): ReadonlySet<string> {
  return leads().converted;
}
