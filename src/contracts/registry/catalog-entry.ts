/** ARD media types (ard.md §4.1). */
export const A2A_CARD_MEDIA_TYPE = 'application/a2a-agent-card+json';
export const REGISTRY_MEDIA_TYPE = 'application/ai-registry+json';

/** An ARD catalog entry (ard.md §4.2) as the registry publishes it. */
export interface CatalogEntry {
  identifier: string;
  displayName: string;
  type: string;
  url: string;
  description?: string;
  tags?: string[];
  capabilities?: string[];
  representativeQueries?: string[];
  version?: string;
  updatedAt?: string;
  metadata?: Record<string, unknown>;
}
