/**
 * credits: how the gateway holds, settles and refunds its calls' credits —
 * exactly (one ledger transaction per operation) or from per-replica leases
 * settled in batches (ADR 0010).
 */
export { exactCreditHolds } from './credit-holds.js';
export type { CreditHolds } from './credit-holds.js';
export { LeasedCreditHolds, LEASE_AGENT } from './leased-holds.js';
export { meteredCreditHolds } from './metered-holds.js';
export type { LeasedCreditHoldsOptions, SpendJournal } from './leased-holds.js';
