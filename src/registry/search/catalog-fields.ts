import { publisherOf } from '../catalog-entry.js';
import type { CatalogEntry } from '../../contracts/registry/index.js';
import { oneOf } from '../../protocol/index.js';

/**
 * The catalog-entry fields that filters and facets address (ard.md §7.1:
 * dot paths into the entry; `publisher` derived from the URN identifier).
 * `metadata.*` lists every key `toCatalogEntry` writes; a key added there
 * must be added here to become filterable.
 */
export const CATALOG_FIELDS = [
  'type',
  'tags',
  'capabilities',
  'publisher',
  'identifier',
  'displayName',
  'version',
  'metadata.name',
  'metadata.status',
  'metadata.health',
  'metadata.department',
  'metadata.owner',
  'metadata.costCenter',
  'metadata.slaTier',
  'metadata.regions',
  'metadata.tenants',
  'metadata.tenantAware',
  'metadata.verified',
  'metadata.verifiedOwner',
] as const;

export type CatalogField = (typeof CATALOG_FIELDS)[number];

const READERS: Readonly<Record<CatalogField, (entry: CatalogEntry) => unknown>> = {
  type: (e) => e.type,
  tags: (e) => e.tags,
  capabilities: (e) => e.capabilities,
  publisher: (e) => publisherOf(e.identifier),
  identifier: (e) => e.identifier,
  displayName: (e) => e.displayName,
  version: (e) => e.version,
  'metadata.name': (e) => e.metadata?.name,
  'metadata.status': (e) => e.metadata?.status,
  'metadata.health': (e) => e.metadata?.health,
  'metadata.department': (e) => e.metadata?.department,
  'metadata.owner': (e) => e.metadata?.owner,
  'metadata.costCenter': (e) => e.metadata?.costCenter,
  'metadata.slaTier': (e) => e.metadata?.slaTier,
  'metadata.regions': (e) => e.metadata?.regions,
  'metadata.tenants': (e) => e.metadata?.tenants,
  'metadata.tenantAware': (e) => e.metadata?.tenantAware,
  'metadata.verified': (e) => e.metadata?.verified,
  'metadata.verifiedOwner': (e) => e.metadata?.verifiedOwner,
};

/** Friendly names the registry's own API and CLI use. */
const ALIASES: Readonly<Record<string, CatalogField>> = {
  skill: 'capabilities',
  skills: 'capabilities',
  tag: 'tags',
  department: 'metadata.department',
  slaTier: 'metadata.slaTier',
  health: 'metadata.health',
  status: 'metadata.status',
  region: 'metadata.regions',
  regions: 'metadata.regions',
  verified: 'metadata.verified',
  verifiedOwner: 'metadata.verifiedOwner',
};

/** Position of a field in {@link CATALOG_FIELDS} (indexed-agent values are an array in that order). */
export function fieldPosition(field: CatalogField): number {
  return CATALOG_FIELDS.indexOf(field);
}

/** Every accepted key, for error messages. */
export const SUPPORTED_FIELD_NAMES: readonly string[] = [...CATALOG_FIELDS, ...Object.keys(ALIASES)];

/** The catalog field a filter or facet key names, or undefined when it is not supported. */
export function resolveField(key: string): CatalogField | undefined {
  const field = oneOf(CATALOG_FIELDS, key);
  if (field !== undefined) return field;
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}

/** The values of one field of an entry as strings (arrays flattened, absent values dropped). */
export function fieldValues(entry: CatalogEntry, field: CatalogField): string[] {
  const value: unknown = READERS[field](entry);
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v) => v !== undefined && v !== null && v !== '').map((v) => String(v));
}
