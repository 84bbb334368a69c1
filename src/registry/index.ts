/**
 * registry: agent records (card + enterprise metadata), instances under
 * leases with active health probes, versioned configs, a resumable watch
 * stream, and ARD discovery (search, explore, list, AI Catalog).
 */
export { createRegistry } from './registry.js';
export type { Registry, RegistryOptions } from './registry.js';
export { parseRegistryConfig, registryConfigSchema } from './config.js';
export type { RegistryConfig, RegistryConfigInput } from './config.js';
export type { RegistryAuthenticate, RegistryCaller } from './routes/write-auth.js';
export { REGISTRY_WRITE_SCOPE } from './routes/write-auth.js';
export { toCatalogEntry, publisherOf, A2A_CARD_MEDIA_TYPE, REGISTRY_MEDIA_TYPE } from './catalog-entry.js';
export type { CatalogEntry } from './catalog-entry.js';
export type { AgentListQuery } from './agent-directory.js';
export type {
  AgentRecord,
  AgentBridge,
  AgentMetadata,
  AgentInstance,
  AgentConfigVersion,
  AgentHealth,
  AgentStatus,
  SlaTier,
  Sla,
  SkillMetadata,
  SkillPricing,
  RegistryChange,
  RegistryChangeKind,
  JsonSchema,
  PiiAction,
  PiiKind,
  PiiPolicyDeclaration,
} from './record.js';
export { PII_ACTIONS, PII_KINDS } from './record.js';
