/**
 * gateway/routing: the upstream side of the gateway. A live cache of the
 * registry (watch stream), least-outstanding balancing, a circuit breaker
 * per instance, safe retries, streaming relay, and the agent cards the
 * gateway serves (rewritten to point at it, re-signed).
 */
export { createUpstreamRouter } from './upstream-router.js';
export type { UpstreamRouter, AgentRoute, InstanceStats } from './upstream-router.js';
export type { UpstreamRouterOptions } from './router-options.js';
export { ROUTER_DEFAULTS } from './router-options.js';
export type { ForwardInput, ForwardResult } from './upstream-forwarder.js';
export type { BreakerState } from './upstream-instance.js';
export type { CardSigner } from './card-cache.js';
export { APPROVAL_EXTENSION_URI, ORIGINAL_CARD_EXTENSION_URI, rewriteCard } from './gateway-card.js';
export type { GatewayExtension } from './gateway-card.js';
export { answerCardRequest } from './card-answer.js';
export type { CardAnswerOptions } from './card-answer.js';
export { OAUTH2_SCHEME, API_KEY_SCHEME } from './card-security.js';
export { isLegacyShape, legacyCanonicalForm } from './legacy-card.js';
export { WITHHELD_REQUEST_HEADERS } from './forward-headers.js';
