import type { Logger } from 'pino';
import type { CallerIdentity } from '../contracts/agent/index.js';
import type { RetryOnlyClaim } from '../protocol/index.js';

/** Who sent a request, and for which tenant. */
export interface CallInfo {
  tenant: string;
  caller: CallerIdentity;
  /** The request's logger (bound to its reqId and traceId): task logs written on its behalf carry them. */
  log?: Logger;
  /** The incoming W3C traceparent, for handlers that call other agents. */
  traceparent?: string;
  /**
   * The gateway forwarded this call without a credit hold (the tenant is short
   * of credit, and the messageId was charged before): a send is answered only
   * if it is a retry of that messageId, and otherwise refused as short of
   * credit without starting work (ADR 0046, third addendum).
   */
  retryOnly?: RetryOnlyClaim;
}
