/**
 * registry/search: the registry's discovery index — ARD Search (BM25+ text
 * relevance with stemming and synonyms, 0–100 scores), Explore (facets) and
 * List (filtered, ordered browsing) over catalog entries of agent records.
 */
export { SearchIndex } from './search-index.js';
export type {
  SearchIndexOptions,
  SearchRequest,
  SearchResponse,
  ScoredCatalogEntry,
  ExploreRequest,
  ExploreResponse,
  ListRequest,
  ListResponse,
} from './search-index.js';
export type { ArdFilter } from './catalog-filter.js';
export type { FacetRequest, Facet, FacetBucket } from './facets.js';
export { DEFAULT_SYNONYMS, RELATED_WEIGHT } from './synonym-table.js';
export type { SynonymTable } from './synonym-table.js';
export { RELEVANCE_CUTOFF } from './relevance-score.js';
export { SUPPORTED_FIELD_NAMES } from './catalog-fields.js';
