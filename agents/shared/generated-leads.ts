import { generateLeads } from '../data/generate-leads.js';
import type { SampleLead } from './sample-leads.js';

// Drawn once, at module load (a few milliseconds): every agent of the process shares them.
const generated = generateLeads();

/** The 10,000 synthetic leads of `data/generate-leads.ts` (`lead-00001`…), by id, in id order. */
export const generatedLeads: ReadonlyMap<string, SampleLead> = new Map(generated.leads.map((l) => [l.id, l]));

/** Their ids in order: what `data-engineer` `list-leads` pages through. */
export const generatedLeadIds: readonly string[] = generated.leads.map((l) => l.id);

/** Generated leads that converted: the ground truth the lookalike model is evaluated on. */
export const convertedLeadIds: ReadonlySet<string> = new Set(generated.convertedIds);
