/**
 * contracts/ledger: the credit API (`/v1/tenants/{tenant}/credits…`) as it
 * crosses the wire — the request schemas the gateway validates with, and the
 * answers the CLI and the console read. Plain objects and types: loading it
 * loads nothing else.
 */
export { TENANT_PATTERN } from './tenant-pattern.js';
export { tenantParams, usageQuery, topUpBody, holdsQuery, releaseBody } from './requests.js';
export type { CreditUsageParams, TopUpRequest, CreditHoldsParams, HoldReleaseRequest } from './requests.js';
export type { CreditBalanceAnswer, CreditUsageRow, CreditUsageAnswer, TopUpAnswer, CreditHold, CreditHoldsAnswer, HoldReleaseAnswer } from './answers.js';
