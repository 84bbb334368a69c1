/**
 * The registry's record and instance, as its HTTP API serves them. Type-only:
 * the gateway reads the registry over HTTP and never runs its code; the
 * types come from the registry's door so the two cannot drift apart.
 */
export type { AgentInstance, AgentMetadata, AgentRecord, RegistryChange, RegistryChangeKind } from '../../contracts/registry/index.js';
