import { A2A_CARD_MEDIA_TYPE, type AgentRecord, type CatalogEntry } from '../contracts/registry/index.js';

/**
 * The ARD view of a record: skills become `capabilities`, skill examples
 * `representativeQueries`, and the enterprise fields a flat `metadata` map
 * that filters address as `metadata.department`, `metadata.slaTier`, ….
 * `cardUrlBase` is the registry's public URL; the entry points at the
 * registry's copy of the card.
 */
export function toCatalogEntry(record: AgentRecord, cardUrlBase: string): CatalogEntry {
  const card = record.card;
  const tags = uniq([...(record.metadata.tags ?? []), ...card.skills.flatMap((s) => s.tags ?? [])]);
  const queries = card.skills.flatMap((s) => s.examples ?? []).slice(0, 5);
  const m = record.metadata;
  const metadata: Record<string, unknown> = {
    name: record.name,
    status: record.status,
    health: record.health,
    ...(m.department !== undefined && { department: m.department }),
    ...(m.owner !== undefined && { owner: m.owner }),
    ...(m.costCenter !== undefined && { costCenter: m.costCenter }),
    ...(m.sla !== undefined && { slaTier: m.sla.tier }),
    ...(m.regions !== undefined && { regions: m.regions }),
    ...(m.tenants !== undefined && { tenants: m.tenants }),
    ...(m.tenantAware !== undefined && { tenantAware: m.tenantAware }),
    // A verified owner only: a claim the registry could not prove is no owner to filter on.
    verified: record.ownership?.status === 'verified',
    ...(record.ownership?.status === 'verified' && { verifiedOwner: record.ownership.domain }),
  };
  return {
    identifier: record.identifier,
    displayName: card.name,
    type: A2A_CARD_MEDIA_TYPE,
    url: `${cardUrlBase.replace(/\/$/, '')}/v1/agents/${encodeURIComponent(record.name)}/card`,
    ...(card.description && { description: card.description }),
    ...(tags.length > 0 && { tags }),
    capabilities: card.skills.map((s) => s.id),
    // AI Catalog: 2 to 5 queries when present; one example is not enough to state the field.
    ...(queries.length >= 2 && { representativeQueries: queries.slice(0, 5) }),
    ...(card.version && { version: card.version }),
    updatedAt: record.updatedAt,
    metadata,
  };
}

/** The publisher segment of a `urn:air:<publisher>:…` identifier (ard.md §7.1). */
export function publisherOf(identifier: string): string | undefined {
  const parts = identifier.split(':');
  return parts[0] === 'urn' && parts[1] === 'air' && parts.length >= 4 ? parts[2] : undefined;
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}
