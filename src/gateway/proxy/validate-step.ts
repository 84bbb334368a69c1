import type { AgentmeshError } from '../../protocol/index.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * A2A request validation at the door (docs/gateway.md#request-validation-at-the-door): params against the
 * spec's schema for the call's version, a message against its skill's
 * declared input schema. An invalid call is refused here, in the words the
 * agent would use, and never costs the agent a request or the tenant a credit.
 */
export function validateStep(c: GatewayCall, d: ProxyDeps): Promise<void> | undefined {
  // A v1 call is judged without a promise: the step returns one only when the verdict must be waited for (v0.3 JSON-RPC).
  const error = d.validator.validateNow({ call: c.call, body: c.body, a2aVersion: c.a2aVersion, record: c.route!.record });
  if (error instanceof Promise) return error.then(refuseInvalid);
  refuseInvalid(error);
  return undefined;
}

/** An invalid call is the caller's error, audited as the call (outcome error, its code), not a security event. */
function refuseInvalid(error: AgentmeshError | undefined): void {
  if (error !== undefined) throw error;
}
