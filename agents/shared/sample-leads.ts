import leadsData from '../data/leads.json' with { type: 'json' };

/** A lead of the bundled sample CRM (agents/data/leads.json). */
export interface SampleLead {
  id: string;
  company: string;
  industry: string;
  region: string;
  employees: number;
  annualRevenueMUsd: number;
  websiteVisits30d: number;
}

const sample = leadsData as { leads: SampleLead[]; bestCustomers: string[] };

/** Every lead of the sample, by id. */
export const sampleLeads: ReadonlyMap<string, SampleLead> = new Map(sample.leads.map((l) => [l.id, l]));

/** The best customers: what lookalike scoring compares leads with. */
export const sampleBestCustomers: readonly SampleLead[] = sample.bestCustomers.map((id) => sampleLeads.get(id)!).filter(Boolean);

/** Leads that are not customers yet, in file order. */
export const sampleProspectIds: readonly string[] = sample.leads.filter((l) => !sample.bestCustomers.includes(l.id)).map((l) => l.id);

/** Lead ids written in free text ("lead-003 and lead-14"), short ones padded to the sample's three digits (generated five-digit ids pass as written), first mention first. */
export function leadIdsInText(text: string): string[] {
  const ids = [...text.matchAll(/\blead[-_ ]?(\d{1,6})\b/gi)].map((m) => `lead-${m[1]!.padStart(3, '0')}`);
  return [...new Set(ids)];
}
