import { randomUUID } from 'node:crypto';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/**
 * Credits: a new priced task reserves its estimate before it runs; a
 * follow-up to an existing task (an input-required answer) is part of it.
 * The reservation is refunded if the call fails before the agent answers.
 *
 * The hold is keyed by the messageId until the answer names a task, then
 * moved to the task's key (settle-or-track.ts): a task is charged once. A
 * messageId whose key is still held or settled (a retry, or another message
 * under a reused id, ADR 0046) holds again under a key of its own attempt:
 * only the agent's answer tells a retry (the task already charged: the hold
 * is released) from a new task (charged like any).
 */
export async function reserveStep(c: GatewayCall, d: ProxyDeps): Promise<void> {
  const terms = c.terms;
  const message = c.call.message;
  const messageId = typeof message?.['messageId'] === 'string' ? message['messageId'] : undefined;
  if (!terms || terms.milliCredits <= 0 || messageId === undefined || message?.['taskId'] !== undefined) return;
  const principal = c.principal!;
  let key = `${c.agent}:${principal.tenant}:${messageId}`;
  try {
    const input = { tenant: principal.tenant, key, milliCredits: terms.milliCredits, agent: c.agent, skill: terms.skill ?? '*', clientId: principal.clientId };
    if ((await d.credits.reserve(input)).replayed) {
      key = `${key}#${randomUUID()}`;
      await d.credits.reserve({ ...input, key });
    }
  } catch (err) {
    c.audit.eventType = 'credits.insufficient';
    throw err;
  }
  c.estimate = terms.milliCredits;
  c.reservationKey = key;
  c.audit.milliCredits = terms.milliCredits;
}
