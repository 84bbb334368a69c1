import type { IndexedAgent } from './indexed-agent.js';
import { invalidArgument, ErrorCodes } from '../../protocol/index.js';

/**
 * `orderBy` of List (ard.md §7.4): comma-separated fields, each optionally
 * followed by `asc` or `desc` ("updatedAt desc, name"). The record name ends
 * every order as a tie-breaker, so the order is total and a page token can
 * hold the sort key of the last entry returned.
 */
export interface ListOrder {
  /** Normalized form, for page-token fingerprints. */
  readonly canonical: string;
  /** Sort key of an agent; compare keys with {@link ListOrder.compare}. */
  keyOf(agent: IndexedAgent): string[];
  compare(a: readonly string[], b: readonly string[]): number;
}

const SORT_FIELDS: Readonly<Record<string, (agent: IndexedAgent) => string>> = {
  name: (a) => a.name,
  displayName: (a) => a.entry.displayName.toLowerCase(),
  identifier: (a) => a.entry.identifier,
  createdAt: (a) => a.record.createdAt,
  updatedAt: (a) => a.record.updatedAt,
};
const SORT_ALIASES: Readonly<Record<string, string>> = { display_name: 'displayName', created_at: 'createdAt', updated_at: 'updatedAt' };

export const DEFAULT_ORDER_BY = 'name';

/** Parses `orderBy`; throws AM_ERR_REGISTRY_INVALID_ARGUMENT naming the bad clause. */
export function parseOrderBy(orderBy: unknown): ListOrder {
  if (orderBy !== undefined && typeof orderBy !== 'string') throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'orderBy', 'must be a string such as "updatedAt desc, name"');
  const clauses: Array<{ field: string; descending: boolean }> = [];
  for (const clause of (orderBy ?? DEFAULT_ORDER_BY).split(',')) {
    const words = clause.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) continue;
    const field = SORT_ALIASES[words[0]!] ?? words[0]!;
    const direction = words[1]?.toLowerCase() ?? 'asc';
    if (!Object.hasOwn(SORT_FIELDS, field) || words.length > 2 || (direction !== 'asc' && direction !== 'desc')) {
      throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'orderBy', `clause "${clause.trim()}" is not "<field> [asc|desc]" with a field among ${Object.keys(SORT_FIELDS).join(', ')}`);
    }
    if (!clauses.some((c) => c.field === field)) clauses.push({ field, descending: direction === 'desc' });
  }
  if (!clauses.some((c) => c.field === 'name')) clauses.push({ field: 'name', descending: false });
  const readers = clauses.map((c) => SORT_FIELDS[c.field]!);
  return {
    canonical: clauses.map((c) => `${c.field} ${c.descending ? 'desc' : 'asc'}`).join(','),
    keyOf: (agent) => readers.map((read) => read(agent)),
    compare: (a, b) => {
      for (let i = 0; i < clauses.length; i++) {
        const x = a[i] ?? '';
        const y = b[i] ?? '';
        if (x !== y) return (x < y ? -1 : 1) * (clauses[i]!.descending ? -1 : 1);
      }
      return 0;
    },
  };
}
