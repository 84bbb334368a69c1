/**
 * Deterministic synthetic agent cards for the registry benchmark: varied
 * departments, verbs, objects and tags, so the index holds realistic term
 * statistics at 10,000 agents rather than 10,000 copies of one card.
 */
import { mulberry32 } from '../../agents/data/mulberry32.js';

const DEPARTMENTS = ['sales', 'marketing', 'legal', 'finance', 'support', 'hr', 'analytics', 'engineering', 'operations', 'security', 'procurement', 'logistics'];
const VERBS = ['score', 'enrich', 'classify', 'summarize', 'translate', 'forecast', 'reconcile', 'review', 'route', 'extract', 'validate', 'schedule', 'draft', 'audit', 'rank', 'match', 'detect', 'monitor', 'segment', 'deduplicate', 'approve', 'escalate', 'archive', 'redact', 'tag', 'transcribe', 'benchmark', 'price', 'allocate', 'verify', 'merge', 'normalize', 'geocode', 'anonymize', 'cluster', 'triage', 'notify', 'export', 'import', 'optimize'];
const OBJECTS = ['leads', 'contracts', 'invoices', 'tickets', 'candidates', 'campaigns', 'orders', 'shipments', 'expenses', 'accounts', 'policies', 'reports', 'emails', 'documents', 'transactions', 'customers', 'suppliers', 'incidents', 'payments', 'forecasts', 'resumes', 'receipts', 'claims', 'quotes', 'renewals', 'subscriptions', 'assets', 'licenses', 'vendors', 'audits', 'budgets', 'timesheets', 'payrolls', 'deals', 'opportunities', 'chats', 'calls', 'surveys', 'reviews', 'articles', 'images', 'videos', 'datasets', 'dashboards', 'alerts', 'logs', 'vulnerabilities', 'permits', 'inventories', 'routes', 'fleets', 'patients', 'prescriptions', 'loans', 'mortgages', 'trades', 'portfolios', 'grants', 'donations', 'leases'];
const QUALIFIERS = ['quarterly', 'real-time', 'multilingual', 'regulated', 'enterprise', 'regional', 'high-volume', 'priority', 'historical', 'inbound', 'outbound', 'global', 'monthly', 'annual', 'overdue', 'duplicate', 'fraudulent', 'confidential', 'public', 'draft', 'signed', 'pending', 'rejected', 'approved', 'european', 'american', 'asian', 'mobile', 'retail', 'wholesale'];
const INDUSTRIES = ['healthcare', 'banking', 'insurance', 'retail', 'manufacturing', 'energy', 'telecom', 'media', 'education', 'government', 'logistics', 'hospitality', 'pharma', 'automotive', 'aerospace', 'agriculture', 'construction', 'gaming', 'legaltech', 'realestate'];
const TIERS = ['gold', 'silver', 'bronze'] as const;

/** A small deterministic PRNG (the example data's mulberry32), so every run indexes the same corpus. */
const random = mulberry32;

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

/** Registration bodies (`PUT /v1/agents/{name}`) for `count` agents. */
export function syntheticAgents(count: number, seed = 42): Array<{ name: string; body: Record<string, unknown> }> {
  const rand = random(seed);
  const out: Array<{ name: string; body: Record<string, unknown> }> = [];
  for (let i = 0; i < count; i++) {
    const department = pick(rand, DEPARTMENTS);
    const skills = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => {
      const verb = pick(rand, VERBS);
      const object = pick(rand, OBJECTS);
      const qualifier = pick(rand, QUALIFIERS);
      return {
        id: `${verb}-${object}-${k}`,
        name: `${verb[0]!.toUpperCase()}${verb.slice(1)} ${object}`,
        description: `Can ${verb} ${qualifier} ${object} for ${pick(rand, INDUSTRIES)} ${department} teams, with notes and a confidence value.`,
        tags: [department, verb, object],
        examples: [`${verb} my ${qualifier} ${object}`, `please ${verb} these ${object}`],
      };
    });
    const name = `${department}-${skills[0]!.id}-${i}`.slice(0, 63).replace(/-+$/, '');
    out.push({
      name,
      body: {
        card: {
          name: `${department} ${skills[0]!.name} ${i}`,
          description: `${skills.map((s) => s.description).join(' ')}`,
          version: '1.0.0',
          supportedInterfaces: [{ url: `https://agents.example.com/${name}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
          capabilities: { streaming: true },
          defaultInputModes: ['text/plain'],
          defaultOutputModes: ['text/plain'],
          skills,
        },
        metadata: { department, sla: { tier: pick(rand, TIERS) }, owner: `${department}-team@example.com` },
      },
    });
  }
  return out;
}

/** Search queries of the load: natural phrasings over the same vocabulary. */
export function syntheticQueries(count: number, seed = 7): string[] {
  const rand = random(seed);
  return Array.from({ length: count }, () => `${pick(rand, VERBS)} ${pick(rand, QUALIFIERS)} ${pick(rand, OBJECTS)} for ${pick(rand, INDUSTRIES)} ${pick(rand, DEPARTMENTS)}`);
}
