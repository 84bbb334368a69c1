/** The gateway's door: routing, quotas, concurrency, PII, scopes, credits. */
import { ErrorCodes } from '../errors.js';
import { declare } from './declare.js';

export const gatewayErrors = {
  // the gateway's door
  agentNotReachable: declare(ErrorCodes.GATEWAY_AGENT_NOT_FOUND, 'No agent named {quotedName} is reachable through this gateway'),
  agentNotRegistered: declare(ErrorCodes.GATEWAY_AGENT_NOT_FOUND, 'agent {agent} is not registered', { details: ['agent'] }),
  agentDisabled: declare(ErrorCodes.GATEWAY_NO_HEALTHY_INSTANCE, 'agent {agent} is disabled at the registry', { details: ['agent'], expose: true }),
  noHealthyInstance: declare(ErrorCodes.GATEWAY_NO_HEALTHY_INSTANCE, 'agent {agent} has no healthy instance: {why}', { details: ['agent'], expose: true, retryable: true }),
  agentTimedOut: declare(ErrorCodes.HTTP_TIMEOUT, 'agent {agent} did not answer within {timeoutMs} ms', { expose: true, retryable: true }),
  agentTookTooLong: declare(ErrorCodes.HTTP_TIMEOUT, 'agent {agent} did not answer in time', { details: ['agent'], expose: true, retryable: true }),
  agentDidNotAnswer: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'agent {agent} did not answer: {why}', { expose: true, retryable: true }),
  consoleReviewTokenRefused: declare(ErrorCodes.HTTP_UNAVAILABLE, 'the registry refused the gateway\'s review token (HTTP {status}): set REGISTRY_REVIEW_TOKEN on the gateway to the registry\'s', { expose: true }),
  consoleRegistryUnreachable: declare(ErrorCodes.HTTP_UNAVAILABLE, 'the registry did not answer the registration; retry shortly', { expose: true, retryable: true }),
  directoryNotLoaded: declare(ErrorCodes.HTTP_UNAVAILABLE, 'the gateway has not loaded the agent directory from the registry yet; retry shortly', { expose: true, retryable: true }),
  auditBehind: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'The audit trail is behind; retry shortly', { expose: true, retryable: true }),
  operationNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, '{operation} on {agent} needs the scope {scope}', { details: ['scope'] }),
  operationNeedsScopes: declare(ErrorCodes.AUTH_FORBIDDEN, '{operation} on {agent} needs the scopes {scope}', { details: ['scope'] }),
  adminNeedsCredential: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'this call needs a bearer token (or X-API-Key) with the {scope} scope', { details: ['scope'] }),
  delegationHeaderInvalid: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'Header {header} {description}'),
  quotaExceeded: declare(ErrorCodes.GATEWAY_QUOTA_EXCEEDED, 'Quota exceeded for {quota}: {limit} requests per minute; retry in {retryAfterSeconds} s', { details: ['quota', 'limit', 'retryAfterSeconds'], retryable: true }),
  quotaExceededWithBurst: declare(ErrorCodes.GATEWAY_QUOTA_EXCEEDED, 'Quota exceeded for {quota}: {limit} requests per minute (+{burst} burst); retry in {retryAfterSeconds} s', { details: ['quota', 'limit', 'retryAfterSeconds'], retryable: true }),
  agentConcurrencyFull: declare(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, '{agent} is running its {limit} concurrent tasks; retry shortly', { details: ['agent', 'limit'], retryable: true }),
  tenantConcurrencyShareFull: declare(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, "Tenant {tenant} holds its share ({tenantShare}) of {agent}'s {limit} concurrent calls; retry shortly", { details: ['agent', 'limit', 'tenantShare'], retryable: true }),
  piiBlocked: declare(ErrorCodes.GATEWAY_PII_BLOCKED, 'The message carries personal data this agent does not accept ({counts})'),
  requestNotForwardable: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'The request cannot be forwarded to agent {agent} as sent', { details: ['agent'] }),
  requestNotForwardableBecause: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'The request cannot be forwarded to agent {agent} as sent ({reason})', { details: ['agent'] }),
  cardNeedsVersion1: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, 'This agent serves A2A 1.0 only: send A2A-Version: 1.0 for its card'),
  taskIdCannotExist: declare(ErrorCodes.TASK_NOT_FOUND, 'Task not found'),
  pushConfigIdCannotExist: declare(ErrorCodes.PUSH_CONFIG_NOT_FOUND, 'No such push notification config'),
  missingScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'this call needs the {scope} scope', { details: ['scope'] }),
  legacyCardTooDeep: declare(ErrorCodes.INTERNAL, 'An agent card nests deeper than 64 levels'),
  creditHoldKeyTaken: declare(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'key {quotedKey} is taken'),

  // credits
  tenantHasNoCredits: declare(ErrorCodes.TENANCY_TENANT_NOT_FOUND, 'tenant {quotedTenant} has no credit account: no credits were ever added to it (a top-up opens one)'),
  insufficientCredits: declare(ErrorCodes.TENANCY_INSUFFICIENT_CREDITS, 'Tenant {tenant} has {balance} milli-credits available; this call needs {needed}', { details: ['tenant', 'balance', 'needed'] }),
  creditsNeedToken: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'The credits API needs a bearer token'),
  creditsOfOtherTenant: declare(ErrorCodes.AUTH_FORBIDDEN, 'Reading the credits of tenant {tenant} needs a principal of that tenant or the {scope} scope', { details: ['scope', 'tenant'] }),
  topUpNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'Top-ups need the {scope} scope', { details: ['scope'] }),

  // callers
  pushSignatureRejected: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'Push notification signature rejected: {problem}'),
  agentNeedsCredential: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'This agent needs a bearer token (OAuth 2.0 client credentials from /oauth/token) or an X-API-Key'),
  delegationNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'Calling on behalf of a tenant ({header}) needs the scope {scope}', { details: ['scope'] }),
  delegationLoop: declare(ErrorCodes.GATEWAY_DELEGATION_REFUSED, 'Calling {agent} would loop: it already acts in this call\'s delegation chain ({chain})', { details: ['agent', 'chain'], constants: { refused: 'loop' } }),
  delegationTooDeep: declare(ErrorCodes.GATEWAY_DELEGATION_REFUSED, 'The call to {agent} carries a delegation chain of {depth} actors; this gateway allows at most {max} (delegationMaxDepth)', { details: ['agent', 'depth', 'max'], constants: { refused: 'depth' } }),
  delegationOtherTenantNeedsAdmin: declare(ErrorCodes.AUTH_FORBIDDEN, 'Naming another tenant ({header}) needs the scope {scope}; to act for a caller, exchange its token at /oauth/token (RFC 8693)', { details: ['scope'] }),

  // approvals (docs/approvals.md)
  approvalNotFound: declare(ErrorCodes.GATEWAY_APPROVAL_NOT_FOUND, 'No approval {quotedId}', { expose: true }),
  approvalDecided: declare(ErrorCodes.GATEWAY_APPROVAL_DECIDED, 'Approval {id} is {state} already: a decision is made once', { details: ['id', 'state'], expose: true }),
  approvalNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'Deciding approval {id} needs the {scope} scope in tenant {tenant}', { details: ['scope'], expose: true }),
  approvalRulesNeedAdmin: declare(ErrorCodes.AUTH_FORBIDDEN, 'Approval rules are the platform\'s: they need the {scope} scope', { details: ['scope'], expose: true }),
  approvalRuleNotFound: declare(ErrorCodes.GATEWAY_APPROVAL_RULE_NOT_FOUND, 'No approval rule {quotedId}', { expose: true }),
  approvalRuleFromConfig: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'Approval rule {id} is declared in the gateway configuration: change it there', { expose: true }),
  approvalInvalid: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, '{field}: {problem}', { expose: true }),
  approvalNotParkable: declare(ErrorCodes.GATEWAY_APPROVAL_NOT_PARKABLE, 'This call needs an approval ({reason}), and a call {how} cannot wait for one: send it over JSON-RPC or A2A 1.0 HTTP+JSON', { details: ['reason'] }),

  // policies (docs/policies.md)
  policyForbids: declare(ErrorCodes.GATEWAY_POLICY_FORBIDDEN, 'A policy forbids this call: {reason}', { expose: true }),
  policyNotPermitted: declare(ErrorCodes.GATEWAY_POLICY_FORBIDDEN, 'No policy permits {operation} on {agent} for this caller', { expose: true }),
  policyNotFound: declare(ErrorCodes.GATEWAY_POLICY_NOT_FOUND, 'No policy {quotedId}', { expose: true }),
  policyVersionNotFound: declare(ErrorCodes.GATEWAY_POLICY_NOT_FOUND, 'Policy {id} has no version {version}', { expose: true }),
  policyInvalid: declare(ErrorCodes.GATEWAY_POLICY_INVALID, '{field}: {problem}', { details: ['field'], expose: true }),
  policyConditionInvalid: declare(ErrorCodes.GATEWAY_POLICY_INVALID, 'condition, line {line}, column {column}: {problem}', { details: ['line', 'column'], constants: { field: 'condition' }, expose: true }),
  policiesOfOtherTenant: declare(ErrorCodes.AUTH_FORBIDDEN, 'Policies of tenant {tenant} need a principal of that tenant with the {scope} scope, or {admin}', { details: ['scope'], expose: true }),
  platformPoliciesNeedAdmin: declare(ErrorCodes.AUTH_FORBIDDEN, 'Platform-wide policies need the {scope} scope', { details: ['scope'], expose: true }),
  auditEntryNotFound: declare(ErrorCodes.GATEWAY_POLICY_NOT_FOUND, 'No audited call {seq} this caller may read', { expose: true }),

  // the console
  consoleTasksNeedTenant: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'tenant: a platform admin names the tenant whose tasks to list'),
  consoleTrafficNeedsTenant: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'tenant: a platform admin names the tenant whose traffic to read'),
  consoleLiveStreamsFull: declare(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, 'At most {perCaller} live console streams per caller and {total} in all; close another tab and retry', { expose: true }),
} as const;
