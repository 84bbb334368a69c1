/**
 * compose: where roles meet. A role never imports another (docs/architecture.md);
 * when one is served by another — the orchestrator is an agent the runtime
 * hosts — the two are put together here, above both.
 */
export { createOrchestrator } from './orchestrator.js';
export type { Orchestrator, OrchestratorOptions, OrchestratorConfigInput } from './orchestrator.js';
