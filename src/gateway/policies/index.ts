/**
 * Policies as code at the gateway (docs/policies.md, ADR 0073): versioned
 * CEL policies over the call's principal, action, resource and context,
 * compiled once, indexed by target, decided forbid-overrides. Internal to
 * the gateway: its own door for the gateway's builders and the proxy's step.
 */
export { compileCondition, lineAndColumn, PolicySyntaxError } from './policy-compile.js';
export type { CompiledCondition, CounterRef, PolicyEntities } from './policy-compile.js';
export { compilePolicy, counterCellsRead, countersRead, decide, PolicySet } from './policy-set.js';
export type { CompiledPolicy, PolicyDecision, PolicyTarget } from './policy-set.js';
export { policyInputSchema, policyKey, policyRef, POLICY_EFFECTS } from './policy-record.js';
export type { PolicyBody, PolicyEffect, PolicyInput, PolicyRecord } from './policy-record.js';
export { validatePolicy } from './policy-validate.js';
export { ENTITY_MODEL, COUNTER_METRICS, COUNTER_SCOPES, COUNTER_WINDOWS } from './entity-model.js';
export { entitiesOf } from './policy-entities.js';
export type { CallFacts } from './policy-entities.js';
export { SessionCounters } from './session-counters.js';
export type { CountedCall, CounterValues, CounterCell, CounterCellRef } from './session-counters.js';
export { PolicyStore } from './policy-store.js';
export { PolicyEngine, POLICIES_TOPIC } from './policy-engine.js';
export type { PolicyEngineOptions } from './policy-engine.js';
export { policyRoutes, POLICIES_SCOPE } from './policy-routes.js';
export type { PolicyRoutesOptions } from './policy-routes.js';
