/** The ledger's Prometheus metrics: amounts by tenant (bounded, see TenantLabels) and outcomes. */
import type { Metrics } from '../observability/index.js';
import { TenantLabels } from './tenant-labels.js';

/** The metrics one ledger records. */
export class LedgerMetrics {
  readonly #labels: TenantLabels;
  readonly #reserved;
  readonly #charged;
  readonly #refunded;
  readonly #released;
  readonly #toppedUp;
  readonly #uncharged;
  readonly #reservations;
  readonly #lowBalance;
  readonly #available;

  constructor(metrics: Metrics, maxTenantLabels: number) {
    this.#labels = new TenantLabels(maxTenantLabels);
    const t = ['tenant'];
    this.#reserved = metrics.counter('tenancy_credits_reserved_millicredits_total', 'Milli-credits put on hold for calls.', t);
    this.#charged = metrics.counter('tenancy_credits_settled_millicredits_total', 'Milli-credits charged when reservations settled.', t);
    this.#refunded = metrics.counter('tenancy_credits_refunded_millicredits_total', 'Milli-credits returned by refunds (cancelled or failed calls).', t);
    this.#released = metrics.counter('tenancy_credits_released_millicredits_total', 'Milli-credits of settled holds not charged (usage below the estimate).', t);
    this.#toppedUp = metrics.counter('tenancy_credits_topped_up_millicredits_total', 'Milli-credits added by top-ups.', t);
    this.#uncharged = metrics.counter('tenancy_credits_uncharged_millicredits_total', 'Milli-credits settles asked for above the hold, not charged.', t);
    this.#reservations = metrics.counter('tenancy_reservations_total', 'Reservation attempts by outcome (held, replayed, insufficient).', ['tenant', 'outcome']);
    this.#lowBalance = metrics.counter('tenancy_low_balance_events_total', 'Times a tenant fell below its low-balance threshold.', t);
    this.#available = metrics.gauge('tenancy_available_millicredits', 'Available balance of tenants with their own label, as last seen by this replica.', t);
  }

  reserved(tenant: string, amount: number, outcome: 'held' | 'replayed' | 'insufficient'): void {
    const label = this.#labels.of(tenant);
    this.#reservations.inc({ tenant: label, outcome });
    if (outcome === 'held') this.#reserved.inc({ tenant: label }, amount);
  }

  settled(tenant: string, charged: number, released: number, uncharged: number): void {
    const label = this.#labels.of(tenant);
    this.#charged.inc({ tenant: label }, charged);
    this.#released.inc({ tenant: label }, released);
    if (uncharged > 0) this.#uncharged.inc({ tenant: label }, uncharged);
  }

  /**
   * A lease batch's settled calls of one tenant at once: the same totals as
   * `reserved(…, 'held')` and `settled` per call, in five counter updates a
   * batch rather than four a call (each update hashes its labels).
   */
  settledBatch(tenant: string, calls: number, held: number, charged: number, released: number, uncharged: number): void {
    const label = this.#labels.of(tenant);
    const labels = { tenant: label };
    this.#reservations.inc({ tenant: label, outcome: 'held' }, calls);
    this.#reserved.inc(labels, held);
    this.#charged.inc(labels, charged);
    this.#released.inc(labels, released);
    if (uncharged > 0) this.#uncharged.inc(labels, uncharged);
  }

  refunded(tenant: string, amount: number): void {
    this.#refunded.inc({ tenant: this.#labels.of(tenant) }, amount);
  }

  toppedUp(tenant: string, amount: number): void {
    this.#toppedUp.inc({ tenant: this.#labels.of(tenant) }, amount);
  }

  lowBalance(tenant: string): void {
    this.#lowBalance.inc({ tenant: this.#labels.of(tenant) });
  }

  /** Records a tenant's available balance; tenants counted as `other` have no gauge (a sum of balances seen at different times means nothing). */
  available(tenant: string, available: number): void {
    if (this.#labels.of(tenant) !== TenantLabels.OTHER) this.#available.set({ tenant }, available);
  }
}
