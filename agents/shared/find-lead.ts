import { generatedLeads } from './generated-leads.js';
import { sampleLeads, type SampleLead } from './sample-leads.js';

/**
 * A lead of the company database: one of the 200 hand-made sample leads
 * (`lead-001`…) or of the 10,000 generated ones (`lead-00001`…). The two id
 * forms never collide (three digits against five).
 */
export function findLead(id: string): SampleLead | undefined {
  return sampleLeads.get(id) ?? generatedLeads().get(id);
}
