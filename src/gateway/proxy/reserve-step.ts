import { randomUUID } from 'node:crypto';
import { ErrorCodes, isAgentmeshError, RETRY_ONLY_EXTENSION_URI, type AgentmeshError, type RetryOnlyClaim } from '../../protocol/index.js';
import type { ReserveInput } from '../../tenancy/index.js';
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
 *
 * A tenant short of credit for a repeat of a messageId that is held, or was
 * charged here for a task, is not refused at once: the call goes on without
 * a hold, as retry-only (ADR 0046, third addendum), to an agent that declares
 * it reads that claim; the agent answers it with the task already charged,
 * or refuses it as short of credit without starting work.
 */
export function reserveStep(c: GatewayCall, d: ProxyDeps): Promise<void> | undefined {
  const terms = c.terms;
  const message = c.call.message;
  const messageId = typeof message?.['messageId'] === 'string' ? message['messageId'] : undefined;
  if (!terms || terms.milliCredits <= 0 || messageId === undefined || message?.['taskId'] !== undefined) return undefined;
  const principal = c.principal!;
  const input = { tenant: principal.tenant, key: `${c.agent}:${principal.tenant}:${messageId}`, milliCredits: terms.milliCredits, agent: c.agent, skill: terms.skill ?? '*', clientId: principal.clientId };
  // A call the tenant's lease covers is held in memory: the step returns no promise, the pipeline waits for nothing (ADR 0057).
  let held: { replayed: boolean } | Promise<{ replayed: boolean }>;
  try {
    held = d.credits.reserveNow(input);
  } catch (err) {
    refused(c, d, err, messageId, false);
    return undefined;
  }
  if (held instanceof Promise || held.replayed) return reserveAfter(c, d, input, held, messageId);
  heldUnder(c, input.milliCredits, input.key);
  return undefined;
}

/** The hold, once the ledger answered; a key held or settled already holds again under a key of this attempt. */
async function reserveAfter(c: GatewayCall, d: ProxyDeps, input: ReserveInput, held: { replayed: boolean } | Promise<{ replayed: boolean }>, messageId: string): Promise<void> {
  let key = input.key;
  /** The messageId's own key is held or settled already: this call repeats it. */
  let repeated = false;
  try {
    if ((await held).replayed) {
      repeated = true;
      key = `${key}#${randomUUID()}`;
      await d.credits.reserve({ ...input, key });
    }
  } catch (err) {
    refused(c, d, err, messageId, repeated);
    return;
  }
  heldUnder(c, input.milliCredits, key);
}

function heldUnder(c: GatewayCall, milliCredits: number, key: string): void {
  c.estimate = milliCredits;
  c.reservationKey = key;
  c.audit.milliCredits = milliCredits;
}

/** A hold refused: the call goes on as retry-only when it may (nothing held), else it is refused (402). */
function refused(c: GatewayCall, d: ProxyDeps, err: unknown, messageId: string, repeated: boolean): void {
  const claim = retryOnlyClaim(c, d, err, messageId, repeated);
  if (claim !== undefined) {
    // Nothing held, nothing to settle: the agent answers a retry with the task charged once already.
    c.retryOnly = claim;
    c.audit.detail = { ...c.audit.detail, retryOnly: true, neededMilliCredits: claim.needed };
    return;
  }
  c.audit.eventType = 'credits.insufficient';
  throw err;
}

/**
 * The retry-only claim a call short of credit goes on with, or undefined
 * (refused with 402 as before): the refusal is for credit; the messageId is
 * held now, or was charged here for a task (a message answer's retry would
 * run its skill again, so it keeps the 402); the call is A2A to a native
 * agent whose card declares it reads the claim (an agent that does not would
 * start the work unpaid).
 */
function retryOnlyClaim(c: GatewayCall, d: ProxyDeps, err: unknown, messageId: string, repeated: boolean): RetryOnlyClaim | undefined {
  if (!isAgentmeshError(err) || err.code !== ErrorCodes.TENANCY_INSUFFICIENT_CREDITS) return undefined;
  const record = c.route!.record;
  if (c.call.binding === 'ACP' || record.bridge !== undefined) return undefined;
  if (!record.card.capabilities?.extensions?.some((e) => e.uri === RETRY_ONLY_EXTENSION_URI)) return undefined;
  if (!repeated && !d.charged.has(c.agent, c.principal!.tenant, messageId)) return undefined;
  return { messageId, balance: amountOf(err, 'balance'), needed: amountOf(err, 'needed') };
}

/** A milli-credit amount of the ledger's refusal, as its message states it. */
function amountOf(err: AgentmeshError, name: 'balance' | 'needed'): number {
  const value = Number(err.details?.[name]);
  return Number.isSafeInteger(value) ? value : 0;
}
