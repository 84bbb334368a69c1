import { agentDocument, analyzeDocument, type AnalyzedDocument, type RankDocument } from '../../ranking/index.js';
import type { CatalogEntry } from '../../contracts/registry/index.js';
import { toCatalogEntry } from '../catalog-entry.js';
import type { AgentRecord } from '../../contracts/registry/index.js';
import { CATALOG_FIELDS, fieldValues } from './catalog-fields.js';
import { toSearchDocument } from './search-document.js';
import type { SearchDocument } from './search-document.js';

/** Everything the index keeps of one agent, computed once per upsert so queries only read. */
export interface IndexedAgent {
  name: string;
  record: AgentRecord;
  entry: CatalogEntry;
  doc: SearchDocument;
  /** Lowercased values per catalog field, in CATALOG_FIELDS order: filters compare case-insensitively. */
  values: ReadonlyArray<readonly string[]>;
  /** Tenants allowed to see the agent; empty = every tenant. */
  tenants: readonly string[];
  /**
   * The shared ranking's view of the agent (src/ranking), analyzed when the
   * agent's text changes, not per search: analyzing the 20 cards of a
   * search's head was most of its allocation, and a search over 100,000
   * agents meets mostly cards it has not seen.
   */
  ranked: AnalyzedDocument;
}

/** What the index keeps of `record`; the ranking's analysis is `previous`'s when the text it reads did not change (a health or status update). */
export function indexAgent(record: AgentRecord, baseUrl: string, previous?: IndexedAgent): IndexedAgent {
  const entry = toCatalogEntry(record, baseUrl);
  const doc = toSearchDocument(record);
  const rankDoc = rankDocument(record, entry);
  return {
    name: record.name,
    record,
    entry,
    doc,
    values: CATALOG_FIELDS.map((field) => fieldValues(entry, field).map((v) => v.toLowerCase())),
    tenants: record.metadata.tenants ?? [],
    // The previous document is built again rather than kept: a kilobyte an agent at 100,000 agents.
    ranked: previous !== undefined && sameText(rankDocument(previous.record, previous.entry), rankDoc) ? previous.ranked : analyzeDocument(rankDoc),
  };
}

/** ARD visibility by tenant: an agent without a tenant list is everyone's. */
export function visibleTo(agent: IndexedAgent, tenant: string | undefined): boolean {
  return tenant === undefined || agent.tenants.length === 0 || agent.tenants.includes(tenant);
}

function rankDocument(record: AgentRecord, entry: CatalogEntry): RankDocument {
  return agentDocument({
    name: record.name,
    card: record.card,
    tags: record.metadata.tags,
    department: record.metadata.department,
    inputSchemas: Object.values(record.metadata.skills ?? {}).flatMap((s) => (s?.inputSchema !== undefined ? [s.inputSchema] : [])),
    queries: entry.representativeQueries,
  });
}

const RANK_DOCUMENT_TEXT = ['name', 'skills', 'tags', 'description', 'skillDescriptions', 'examples', 'inputs', 'department', 'learned', 'steps'] as const;

/** Whether two ranking documents hold the same text, field by field (so the same analysis). */
function sameText(a: RankDocument, b: RankDocument): boolean {
  if (a.id !== b.id || a.kind !== b.kind) return false;
  for (const field of RANK_DOCUMENT_TEXT) {
    const x = a[field] ?? [];
    const y = b[field] ?? [];
    if (x.length !== y.length || x.some((value, i) => value !== y[i])) return false;
  }
  return true;
}
