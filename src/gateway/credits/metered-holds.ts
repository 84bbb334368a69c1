import { boundCounter, type BoundCounter, type Metrics } from '../../observability/index.js';
import type { ReserveInput, Settlement } from '../../tenancy/index.js';
import type { CreditHolds } from './credit-holds.js';

/** Distinct agent label values kept, as the gateway's other per-agent metrics; the rest count as "other". */
const MAX_AGENT_LABELS = 200;

/**
 * Counts what the gateway's calls hold, charge and refund per agent (the
 * ledger counts per tenant): `agentmesh_gateway_credits_{reserved,charged,refunded}_millicredits_total{agent}`.
 * A decorator, so both hold modes (exact, lease) are counted alike; a
 * replayed reserve or settle counts nothing.
 */
export function meteredCreditHolds(holds: CreditHolds, metrics: Metrics): CreditHolds {
  const reserved = metrics.counter('agentmesh_gateway_credits_reserved_millicredits_total', 'Milli-credits held for calls, by agent', ['agent']);
  const charged = metrics.counter('agentmesh_gateway_credits_charged_millicredits_total', 'Milli-credits charged when calls settled, by agent', ['agent']);
  const refunded = metrics.counter('agentmesh_gateway_credits_refunded_millicredits_total', 'Milli-credits of holds refunded (failed or canceled calls), by agent', ['agent']);
  // Each agent's three series, bound once (bound-series.ts): agents past the cap share `other`'s.
  const series = new Map<string, { reserved: BoundCounter; charged: BoundCounter; refunded: BoundCounter }>();
  const of = (agent: string) => {
    let bound = series.get(agent);
    if (bound === undefined) {
      if (series.size >= MAX_AGENT_LABELS) return (series.get('other') ?? bind('other'));
      bound = bind(agent);
    }
    return bound;
  };
  const bind = (label: string) => {
    const bound = { reserved: boundCounter(reserved, { agent: label }), charged: boundCounter(charged, { agent: label }), refunded: boundCounter(refunded, { agent: label }) };
    series.set(label, bound);
    return bound;
  };
  const countReserved = (input: ReserveInput, result: { replayed: boolean }) => {
    if (!result.replayed) of(input.agent).reserved.inc(input.milliCredits);
    return result;
  };
  const countCharged = (settlement: Settlement) => {
    if (!settlement.replayed) of(settlement.agent).charged.inc(settlement.chargedMilliCredits);
    return settlement;
  };
  // The `…Now` forms count as soon as their holds answer, without a promise of their own when they answer at once.
  const reserveNow = (input: ReserveInput) => {
    const result = holds.reserveNow(input);
    return result instanceof Promise ? result.then((r) => countReserved(input, r)) : countReserved(input, result);
  };
  const settleNow = (key: string, milliCredits: number, info?: { state?: string | undefined }) => {
    const settlement = holds.settleNow(key, milliCredits, info);
    return settlement instanceof Promise ? settlement.then(countCharged) : countCharged(settlement);
  };
  return {
    async reserve(input) {
      return countReserved(input, await holds.reserve(input));
    },
    async settle(key, milliCredits, info) {
      return countCharged(await holds.settle(key, milliCredits, info));
    },
    reserveNow,
    settleNow,
    rekeyNow: (oldKey, newKey) => holds.rekeyNow(oldKey, newKey),
    async refund(key, reason) {
      const settlement = await holds.refund(key, reason);
      if (!settlement.replayed) of(settlement.agent).refunded.inc(settlement.heldMilliCredits - settlement.chargedMilliCredits);
      return settlement;
    },
    rekey: (oldKey, newKey) => holds.rekey(oldKey, newKey),
    pin: (key) => holds.pin(key),
    expireHolds: (options) => holds.expireHolds(options),
    flush: () => holds.flush(),
    written: () => holds.written(),
    writtenAll: () => holds.writtenAll(),
    close: () => holds.close(),
  };
}
