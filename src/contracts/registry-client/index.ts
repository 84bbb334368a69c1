/**
 * The registry's client door (`agentmesh/registry-client`): a typed client
 * of the registry's HTTP API for the roles, the CLI and embedders. Kept
 * apart from `registry/index.ts`, which loads the registry server (Fastify,
 * the search index): a client must not pay for it (CONTRIBUTING.md, "Load
 * what you use").
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../../node-version/check-on-import.js';
export { createRegistryClient, RegistryClient } from './registry-client.js';
export type { RegistryClientOptions, CallOptions, WatchQuery, AgentPut } from './registry-client.js';
export { registryStatusOf } from './registry-failure.js';
export type { RegistryFailure, RegistryFailureHint } from './registry-failure.js';
// The shapes its calls send and answer, re-exported so `agentmesh/registry-client` users keep one import.
export { recordFromJson, recordFromJsonLazily, recordToJson } from '../registry/index.js';
export type {
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
  AgentCardJson,
  WireAgentRecord,
  AgentListQuery,
  CatalogEntry,
  AgentRecord,
  AgentBridge,
  AgentInstance,
  AgentConfigVersion,
  AgentMetadata,
  AgentHealth,
  AgentStatus,
  RegistryChange,
  RegistryChangeKind,
  AgentOwnership,
  OwnershipReport,
  CardReview,
  CardChange,
  ReviewState,
  ReviewDecision,
  ReviewListQuery,
} from '../registry/index.js';
