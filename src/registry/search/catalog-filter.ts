import { fieldPosition, resolveField, SUPPORTED_FIELD_NAMES } from './catalog-fields.js';
import type { CatalogField } from './catalog-fields.js';
import type { IndexedAgent } from './indexed-agent.js';
import { Errors, invalidArgument, ErrorCodes } from '../../protocol/index.js';

/**
 * ARD structured filters (ard.md §7.1): keys are field paths into the catalog
 * entry, values are arrays (a bare scalar is a one-element array). Values of
 * one key are ORed, keys are ANDed, and an array-valued field matches when
 * any of its elements does. Values compare case-insensitively.
 */
export type ArdFilter = Record<string, unknown>;

/** A checked filter. */
export interface CatalogFilter {
  /** Canonical form (fields resolved, values lowercased and sorted), stable across spellings of one filter. */
  readonly canonical: ReadonlyArray<readonly [CatalogField, readonly string[]]>;
  /** `canonical` as a string, for cache keys. */
  readonly key: string;
  matches(agent: IndexedAgent): boolean;
}

const MAX_VALUES_PER_KEY = 100;

/**
 * Checks `filter` (undefined or null = no filter) and compiles it. `path` is
 * where the filter sits in the request, for error fields (`query.filter`).
 * Throws AM_ERR_REGISTRY_INVALID_ARGUMENT naming the first bad key.
 *
 * @example
 * const filter = compileFilter({ department: 'sales', tags: ['ml', 'scoring'] }, 'query.filter');
 * filter?.matches(agent);
 */
export function compileFilter(filter: unknown, path: string): CatalogFilter | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, path, 'must be an object whose keys are catalog field paths');
  const clauses: Array<readonly [CatalogField, readonly string[]]> = [];
  for (const [key, value] of Object.entries(filter)) {
    const field = resolveField(key);
    if (field === undefined) {
      throw Errors.searchFilterFieldUnsupported({ key, supported: SUPPORTED_FIELD_NAMES.join(', ') }, { violations: [{ field: `${path}.${key}`, description: 'is not a supported filter field' }] });
    }
    clauses.push([field, filterValues(value, `${path}.${key}`)]);
  }
  const canonical = clauses.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const compiled = canonical.map(([field, values]) => ({ position: fieldPosition(field), wanted: new Set(values) }));
  return {
    canonical,
    key: JSON.stringify(canonical),
    // Plain loops: this runs once per ranked candidate of a filtered search.
    matches: (agent) => {
      for (const { position, wanted } of compiled) {
        const values = agent.values[position]!;
        let hit = false;
        for (let i = 0; i < values.length && !hit; i++) hit = wanted.has(values[i]!);
        if (!hit) return false;
      }
      return true;
    },
  };
}

function filterValues(value: unknown, field: string): string[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, field, 'must not be an empty array');
  if (values.length > MAX_VALUES_PER_KEY) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, field, `must have at most ${MAX_VALUES_PER_KEY} values`);
  return [...new Set(values.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, field, 'must be a string, number or boolean, or an array of them');
    }
    return String(v).toLowerCase();
  }))].sort();
}
