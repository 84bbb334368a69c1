/**
 * An agent's call onward, through the gateway, for the caller it serves: the delegation the gateway
 * exchanges a token for (RFC 8693), the scene of the delegation-chain and loop-guard tests.
 */
import { createAgentCaller, type ChildCall, type ChildOutcome } from '../../src/orchestrator/calls/index.js';
import type { SkillContext } from '../../src/runtime/index.js';

/** Where the calling agent reaches the gateway, and the OAuth client it calls as. */
export interface OnwardAccess {
  gatewayUrl: string;
  client: { clientId: string; clientSecret: string };
}

/**
 * Calls `call.agent` as `access.client` for the caller of `ctx` (its tenant, its subject, and the
 * assertion it was sent, to exchange), under the skill's signal; the message id is the task's and
 * the agent's. The outcome, whatever it is.
 */
export function callForCaller(ctx: SkillContext, access: OnwardAccess, call: Pick<ChildCall, 'agent' | 'skill' | 'input'>): Promise<ChildOutcome> {
  const caller = createAgentCaller({ gatewayUrl: access.gatewayUrl, credentials: access.client, retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 20 } });
  return caller.send({
    ...call,
    messageId: `${ctx.taskId}-${call.agent}`,
    onBehalfOf: { tenant: ctx.tenant, subject: ctx.caller.id, ...(ctx.caller.subjectToken !== undefined && { subjectToken: ctx.caller.subjectToken }) },
    signal: ctx.signal,
  });
}
