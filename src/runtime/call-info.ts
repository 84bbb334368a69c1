import type { Logger } from 'pino';
import type { CallerIdentity } from '../contracts/agent/index.js';

/** Who sent a request, and for which tenant. */
export interface CallInfo {
  tenant: string;
  caller: CallerIdentity;
  /** The request's logger (bound to its reqId and traceId): task logs written on its behalf carry them. */
  log?: Logger;
  /** The incoming W3C traceparent, for handlers that call other agents. */
  traceparent?: string;
}
