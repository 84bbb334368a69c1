/**
 * gateway: the door in front of every agent — identity (OAuth 2.0 client
 * credentials, API keys, external issuers), policy (scopes per A2A operation
 * and skill, tenants), quotas, credits, routing to healthy instances, and
 * the audit trail.
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { createGateway } from './gateway.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { parseGatewayConfig, gatewayConfigSchema, DEFAULT_GATEWAY_METRICS_PORT } from './config.js';
export { loadCardSigningKey } from './card-signing-key.js';
export type { GatewayConfig, GatewayConfigInput } from './config.js';
export { classifyA2aRequest, OPERATION_SCOPES } from './policy/a2a-operation.js';
export type { A2aOperation, ClassifiedRequest } from './policy/a2a-operation.js';
export { GATEWAY_DELEGATE_SCOPE, resealGatewaySecrets } from './identity/index.js';
export { CONSOLE_SCOPE, CONSOLE_CSP } from './console/index.js';
export type { IdentityResealResult, ResealGatewaySecretsOptions } from './identity/index.js';
export type { Principal } from './identity/index.js';
export { APPROVAL_EXTENSION_URI, APPROVAL_METADATA_KEY, DEFAULT_APPROVER_SCOPE } from './approvals/index.js';
export type { ApprovalGate, ApprovalRule, ApprovalRuleInput } from './approvals/index.js';
/** Servers of this process the gateway calls in memory (`createGateway({ inProcess })`, ADR 0015). */
export { InProcessServers } from '../http/index.js';
