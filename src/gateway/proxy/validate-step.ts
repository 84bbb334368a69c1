import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * A2A request validation at the door (docs/gateway.md#request-validation-at-the-door): params against the
 * spec's schema for the call's version, a message against its skill's
 * declared input schema. An invalid call is refused here, in the words the
 * agent would use, and never costs the agent a request or the tenant a credit.
 */
export async function validateStep(c: GatewayCall, d: ProxyDeps): Promise<void> {
  const error = await d.validator.validate({ call: c.call, body: c.body, a2aVersion: c.a2aVersion, record: c.route!.record });
  // An invalid call is the caller's error, audited as the call (outcome error, its code), not a security event.
  if (error !== undefined) throw error;
}
