import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * Credits: a new priced task reserves its estimate before it runs; a
 * follow-up to an existing task (an input-required answer) is part of it.
 * The reservation is refunded if the call fails before the agent answers.
 */
export async function reserveStep(c: GatewayCall, d: ProxyDeps): Promise<void> {
  const terms = c.terms;
  const message = c.call.message;
  const messageId = typeof message?.['messageId'] === 'string' ? message['messageId'] : undefined;
  if (!terms || terms.milliCredits <= 0 || messageId === undefined || message?.['taskId'] !== undefined) return;
  const principal = c.principal!;
  const key = `${c.agent}:${principal.tenant}:${messageId}`;
  try {
    await d.credits.reserve({ tenant: principal.tenant, key, milliCredits: terms.milliCredits, agent: c.agent, skill: terms.skill ?? '*', clientId: principal.clientId });
  } catch (err) {
    c.audit.eventType = 'credits.insufficient';
    throw err;
  }
  c.estimate = terms.milliCredits;
  c.reservationKey = key;
  c.audit.milliCredits = terms.milliCredits;
}
