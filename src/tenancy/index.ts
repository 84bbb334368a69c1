/**
 * tenancy: tenants' credit balances and the double-entry credit ledger
 * (reserve → settle | refund, idempotent by key), skill cost estimates from
 * registry pricing, usage reports, reconciliation and low-balance events.
 * The gateway serves the credit API over it (`gateway/credit-routes`).
 */
export { createCreditLedger, checkReserveInput } from './credit-ledger.js';
export type { CreditLedger, CreditLedgerOptions } from './credit-ledger.js';
export { estimateCost } from './estimate-cost.js';
export type { SkillPrice } from './estimate-cost.js';
export { formatCredits, parseCredits, MILLI_PER_CREDIT, MAX_TOPUP_MILLI_CREDITS } from './amounts.js';
export { LOW_BALANCE_TOPIC } from './low-balance.js';
export type { LeaseSpend } from './store/ledger-store.js';
export { TENANT_PATTERN } from './validation.js';
export { usageGrouping } from './usage-window.js';
export type {
  ReserveInput,
  Reservation,
  ReservationStatus,
  Settlement,
  CreditBalance,
  TopUp,
  UsageQuery,
  UsageDimension,
  UsageRow,
  ReconcileReport,
  Discrepancy,
  LowBalance,
  LowBalanceEvent,
} from './ledger-types.js';
export { TenantLabels } from './tenant-labels.js';
