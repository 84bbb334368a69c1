/**
 * Low-balance alerts. Whether a tenant crossed its threshold is decided in the
 * database, in the transaction that moved its balance (a flag on the balance
 * row flips), so across replicas exactly one write reports each crossing; this
 * module only delivers that report: to local listeners, to the bus (every
 * replica and subscriber), and to a metric.
 */
import type { Logger } from '../observability/index.js';
import type { Bus } from '../storage/index.js';
import type { LowBalanceEvent } from './ledger-types.js';
import type { LedgerMetrics } from './ledger-metrics.js';

/** Bus topic of low-balance events (payload: {@link LowBalanceEvent}). */
export const LOW_BALANCE_TOPIC = 'agentmesh.tenancy.low-balance';

/** What the balance row said after a write, and what the crossing check decided. */
export interface ThresholdState {
  available: number;
  threshold: number;
  alerted: boolean;
}

/**
 * Decides the alert flag after a balance moved: it rises (and an event is due)
 * when available goes below the threshold, and falls when available is back at
 * or above it, re-arming the alert. A threshold of 0 never alerts.
 */
export function nextAlertFlag(state: ThresholdState): { alerted: boolean; emit: boolean } {
  const below = state.threshold > 0 && state.available < state.threshold;
  if (below && !state.alerted) return { alerted: true, emit: true };
  if (!below && state.alerted) return { alerted: false, emit: false };
  return { alerted: state.alerted, emit: false };
}

/**
 * What a balance row that just moved means for its alert: the flag to store
 * (when it changed) and the event to emit after commit (when it rose).
 */
export function crossingAfter(
  balance: { tenant: string; available: number; low_balance_threshold: number | null; low_balance_alerted: number },
  defaultThreshold: number,
  now: number,
): { flag: number | undefined; event: LowBalanceEvent | undefined } {
  const threshold = balance.low_balance_threshold ?? defaultThreshold;
  const alerted = balance.low_balance_alerted === 1;
  const next = nextAlertFlag({ available: balance.available, threshold, alerted });
  return {
    flag: next.alerted === alerted ? undefined : next.alerted ? 1 : 0,
    event: next.emit ? { tenant: balance.tenant, availableMilliCredits: balance.available, thresholdMilliCredits: threshold, at: new Date(now).toISOString() } : undefined,
  };
}

/** Delivers low-balance events to listeners, the bus and the metric. */
export class LowBalanceNotifier {
  readonly #listeners = new Set<(event: LowBalanceEvent) => void>();
  readonly #bus: Bus | undefined;
  readonly #log: Logger;
  readonly #metrics: LedgerMetrics;

  constructor(options: { bus: Bus | undefined; log: Logger; metrics: LedgerMetrics }) {
    this.#bus = options.bus;
    this.#log = options.log;
    this.#metrics = options.metrics;
  }

  listen(listener: (event: LowBalanceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called after the transaction that flipped the flag committed. */
  emit(event: LowBalanceEvent): void {
    this.#metrics.lowBalance(event.tenant);
    this.#log.info({ tenant: event.tenant, availableMilliCredits: event.availableMilliCredits, thresholdMilliCredits: event.thresholdMilliCredits }, 'tenant balance fell below its low-balance threshold');
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        // A failing listener must not fail the credit operation that already committed.
        this.#log.warn({ err, tenant: event.tenant }, 'a low-balance listener threw');
      }
    }
    this.#bus?.publish(LOW_BALANCE_TOPIC, event).catch((err: unknown) => this.#log.warn({ err, tenant: event.tenant }, 'publishing a low-balance event failed'));
  }
}
