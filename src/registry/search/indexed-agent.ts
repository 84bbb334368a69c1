import { agentDocument, type RankDocument } from '../../ranking/index.js';
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
  /** The shared ranking's view of the agent (src/ranking), built once. */
  rankDoc: RankDocument;
}

export function indexAgent(record: AgentRecord, baseUrl: string): IndexedAgent {
  const entry = toCatalogEntry(record, baseUrl);
  const doc = toSearchDocument(record);
  return {
    name: record.name,
    record,
    entry,
    doc,
    values: CATALOG_FIELDS.map((field) => fieldValues(entry, field).map((v) => v.toLowerCase())),
    tenants: record.metadata.tenants ?? [],
    rankDoc: agentDocument({
      name: record.name,
      card: record.card,
      tags: record.metadata.tags,
      department: record.metadata.department,
      inputSchemas: Object.values(record.metadata.skills ?? {}).flatMap((s) => (s?.inputSchema !== undefined ? [s.inputSchema] : [])),
      queries: entry.representativeQueries,
    }),
  };
}

/** ARD visibility by tenant: an agent without a tenant list is everyone's. */
export function visibleTo(agent: IndexedAgent, tenant: string | undefined): boolean {
  return tenant === undefined || agent.tenants.length === 0 || agent.tenants.includes(tenant);
}
