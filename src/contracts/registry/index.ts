/**
 * contracts/registry: the registry's shapes as they cross a role boundary —
 * agent records (card + enterprise metadata), instances, config versions,
 * the change log, PII kinds and actions, the ARD catalog entry, the request
 * schemas the registry validates with (types read from them), its answers,
 * and the two crossings of a record between the SDK's card object and JSON.
 * The gateway, the orchestrator, the runtime's registration, the CLI and the
 * console read them here, never in `registry/`.
 */
export type {
  AgentRecord,
  AgentBridge,
  AgentMetadata,
  AgentInstance,
  AgentConfigVersion,
  AgentHealth,
  AgentStatus,
  InstanceProbeState,
  SlaTier,
  Sla,
  SkillMetadata,
  SkillPricing,
  RegistryChange,
  RegistryChangeKind,
  JsonSchema,
  PiiPolicyDeclaration,
  AgentOwnership,
  OwnershipClaim,
  OwnershipMethod,
  OwnershipStatus,
  PendingReviewRef,
} from './record.js';
export { REGISTRY_CHANGE_KINDS } from './record.js';
export { REVIEW_STATES } from './review.js';
export type { CardChange, CardReview, CardReviewPage, ReviewState } from './review.js';
export { PII_ACTIONS, PII_KINDS } from './pii.js';
export type { PiiAction, PiiKind } from './pii.js';
export { agentMetadataSchema } from './metadata-schema.js';
export { A2A_CARD_MEDIA_TYPE, REGISTRY_MEDIA_TYPE } from './catalog-entry.js';
export type { CatalogEntry } from './catalog-entry.js';
export { cardToJson, cardToJsonText, recordFromJson, recordFromJsonLazily, recordJsonTextBeforeCard, recordToJson, recordToJsonText, changeToJson, changeToJsonText } from './record-json.js';
export type { AgentCardJson, AgentRecordJson, WireAgentRecord } from './record-json.js';
export {
  agentNameParams,
  instanceParams,
  registrationBody,
  patchBody,
  listQuery,
  instanceBody,
  configBody,
  rollbackBody,
  configVersionParams,
  searchBody,
  exploreBody,
  ardListQuery,
  watchQuery,
  reviewParams,
  reviewListQuery,
  reviewDecisionBody,
  MAX_SEARCH_TEXT_LENGTH,
} from './requests.js';
export type {
  RegistrationBody,
  AgentPatchBody,
  InstanceRegistration,
  ConfigBody,
  RollbackBody,
  SearchRequest,
  ExploreRequest,
  RegistrationRequest,
  AcpRegistrationRequest,
  AgentUpsert,
  ReviewDecision,
  ReviewListQuery,
} from './requests.js';
export type { AgentListQuery, AgentListPage, ProbePoint, AgentHealthReport, SearchResult, SearchPage, OwnershipReport } from './answers.js';
