/**
 * The registry's client door (`agentmesh/registry-client`): a typed client
 * of the registry's HTTP API for the roles, the CLI and embedders. Kept
 * apart from `registry/index.ts`, which loads the registry server (Fastify,
 * the search index): a client must not pay for it (STYLE rule 15).
 */
export { createRegistryClient, RegistryClient } from './registry-client.js';
export type {
  RegistryClientOptions,
  CallOptions,
  AgentListPage,
  RegistrationRequest,
  AcpRegistrationRequest,
  AgentUpsert,
  InstanceRegistration,
  ProbePoint,
  AgentHealthReport,
  SearchRequest,
  SearchResult,
  SearchPage,
  WatchQuery,
} from './registry-client.js';
export { registryStatusOf } from './registry-failure.js';
export type { RegistryFailure, RegistryFailureHint } from './registry-failure.js';
export { recordFromJson, recordToJson } from '../record-json.js';
export type { AgentCardJson, WireAgentRecord } from '../record-json.js';
export type { AgentListQuery } from '../agent-directory.js';
export type { CatalogEntry } from '../catalog-entry.js';
export type { AgentRecord, AgentBridge, AgentInstance, AgentConfigVersion, AgentMetadata, AgentHealth, AgentStatus, RegistryChange, RegistryChangeKind } from '../record.js';
