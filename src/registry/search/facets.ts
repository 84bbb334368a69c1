import { fieldValues, resolveField, SUPPORTED_FIELD_NAMES } from './catalog-fields.js';
import type { CatalogField } from './catalog-fields.js';
import type { IndexedAgent } from './indexed-agent.js';
import { Errors, invalidArgument, ErrorCodes, isRecord } from '../../protocol/index.js';

/** One requested facet (ard.md §7.3). */
export interface FacetRequest {
  /** Field path, as in filters (aliases accepted). */
  field: string;
  /** Most buckets returned. Default 20. */
  limit?: number;
  /** Buckets with fewer entries are left out. Default 1. */
  minCount?: number;
}

export interface FacetBucket {
  value: string;
  count: number;
}

export interface Facet {
  buckets: FacetBucket[];
  /** Entries of the matched set in buckets beyond `limit` (absent when none were cut). */
  otherCount?: number;
}

interface CheckedFacet {
  key: string;
  field: CatalogField;
  limit: number;
  minCount: number;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;
const MAX_FACETS = 20;

/** Checks `resultType.facets`; throws AM_ERR_REGISTRY_INVALID_ARGUMENT naming the first bad member. */
export function checkFacets(facets: unknown): CheckedFacet[] {
  const path = 'resultType.facets';
  if (!Array.isArray(facets) || facets.length === 0) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, path, 'must be a non-empty array of { field, limit?, minCount? }');
  if (facets.length > MAX_FACETS) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, path, `must have at most ${MAX_FACETS} facets`);
  return facets.map((facet: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(facet)) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, at, 'must be an object { field, limit?, minCount? }');
    const { field: key, limit, minCount } = facet;
    if (typeof key !== 'string') throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, `${at}.field`, 'is required and must be a string');
    const field = resolveField(key);
    if (field === undefined) {
      throw Errors.searchFacetFieldUnsupported({ key, supported: SUPPORTED_FIELD_NAMES.join(', ') }, { violations: [{ field: `${at}.field`, description: 'is not a supported facet field' }] });
    }
    if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_LIMIT)) {
      throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, `${at}.limit`, `must be an integer from 1 to ${MAX_LIMIT}`);
    }
    if (minCount !== undefined && (!Number.isInteger(minCount) || (minCount as number) < 1)) {
      throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, `${at}.minCount`, 'must be a positive integer');
    }
    return { key, field, limit: (limit as number | undefined) ?? DEFAULT_LIMIT, minCount: (minCount as number | undefined) ?? 1 };
  });
}

/**
 * Facet counts over the whole matched set (not a page). Values group
 * case-insensitively, as filters compare, and show the spelling of the
 * first agent (by name) that has them. Buckets: count descending, then
 * value (case-insensitively). `otherCount` counts distinct entries with a value in a bucket cut by
 * `limit` (buckets under `minCount` are suppressed, not "other").
 */
export function computeFacets(agents: readonly IndexedAgent[], facets: readonly CheckedFacet[]): Record<string, Facet> {
  const ordered = [...agents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const result: Record<string, Facet> = {};
  for (const facet of facets) {
    const buckets = new Map<string, { value: string; members: Set<string> }>();
    for (const agent of ordered) {
      for (const value of fieldValues(agent.entry, facet.field)) {
        const key = value.toLowerCase();
        const bucket = buckets.get(key) ?? { value, members: new Set<string>() };
        bucket.members.add(agent.name);
        buckets.set(key, bucket);
      }
    }
    const kept = [...buckets]
      .filter(([, b]) => b.members.size >= facet.minCount)
      .sort(([keyA, a], [keyB, b]) => b.members.size - a.members.size || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0))
      .map(([, b]) => b);
    const cut = kept.slice(facet.limit);
    const others = new Set(cut.flatMap((b) => [...b.members]));
    result[facet.key] = {
      buckets: kept.slice(0, facet.limit).map((b) => ({ value: b.value, count: b.members.size })),
      ...(cut.length > 0 && { otherCount: others.size }),
    };
  }
  return result;
}
