/**
 * registry: agent records (card + enterprise metadata), instances under
 * leases with active health probes, versioned configs, a resumable watch
 * stream, and ARD discovery (search, explore, list, AI Catalog).
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { createRegistry } from './registry.js';
export type { Registry, RegistryOptions } from './registry.js';
export { parseRegistryConfig, registryConfigSchema } from './config.js';
export type { RegistryConfig, RegistryConfigInput } from './config.js';
export type { RegistryAuthenticate, RegistryCaller } from './routes/write-auth.js';
export { REGISTRY_WRITE_SCOPE } from './routes/write-auth.js';
export { toCatalogEntry, publisherOf } from './catalog-entry.js';
// The registry's wire shapes are declared in contracts/registry; re-exported so `agentmesh/registry` users keep their imports.
export { A2A_CARD_MEDIA_TYPE, REGISTRY_MEDIA_TYPE } from '../contracts/registry/index.js';
export type { CatalogEntry, AgentListQuery, AgentRecord, AgentBridge, AgentMetadata, AgentInstance, AgentConfigVersion, AgentHealth, AgentStatus, SlaTier, Sla, SkillMetadata, SkillPricing, RegistryChange, RegistryChangeKind, JsonSchema, PiiAction, PiiKind, PiiPolicyDeclaration } from '../contracts/registry/index.js';
export { PII_ACTIONS, PII_KINDS } from '../contracts/registry/index.js';
