/**
 * credit-routes: the credit API the gateway serves over the tenancy ledger,
 * `/v1/tenants/{tenant}/credits…` (balance, usage, top-ups, holds and their
 * release), and who may call it. Its wire shapes are `contracts/ledger`.
 */
export { registerCreditRoutes } from './register-credit-routes.js';
export type { CreditRoutesOptions } from './credit-routes.js';
export type { CreditsCaller, CreditsAuthenticate } from './access.js';
