/**
 * orchestrator/router: the orchestrator's default skill, which hands a
 * message to the best agent (named, by skill, by tags or by text relevance
 * through the registry) and streams the specialist's work back.
 */
export { createRouteSkill } from './route-skill.js';
export type { RouteSkillOptions } from './route-skill.js';
export { selectTarget, decideRoute, ROUTE_EXPLAIN_KEY } from './select-target.js';
export type { RouteTarget, SelectTargetOptions, RouteDecision, RouteExplain, RouteCandidate, RoutableWorkflow, LearnedRoutes } from './select-target.js';
export { routableWorkflow } from './routable-workflow.js';
export type { WorkflowLike } from './routable-workflow.js';
export { parseRouteRequest, ROUTE_METADATA_KEY } from './route-request.js';
export type { RouteRequest } from './route-request.js';
export { RegistryReader } from './registry-reader.js';
export type { RegistryReaderOptions, RegistryAgent, SearchHit, AgentHealth } from './registry-reader.js';
export { MemoryConversationStore } from './conversation-store.js';
export type { Conversation, ConversationKey, ConversationStore, MemoryConversationStoreOptions } from './conversation-store.js';
export { SqlConversationStore } from './sql-conversation-store.js';
export type { SqlConversationStoreOptions } from './sql-conversation-store.js';
export { MemoryLearnedRoutes, SqlLearnedRoutes } from './learned-routes.js';
export type { SqlLearnedRoutesOptions } from './learned-routes.js';
export { ModelChooser } from './model-chooser.js';
export type { ModelChooserOptions, ModelVerdict, ModelCandidate } from './model-chooser.js';
export { ROUTE_THRESHOLDS, routeVerdict } from './route-thresholds.js';
export type { RouteThresholds, RouteVerdict } from './route-thresholds.js';
