/**
 * Bounded label values for per-tenant metrics: the first `limit` tenants this
 * process sees keep their own label, every later one is counted as `other`.
 * A Prometheus series per tenant is fine for tens of tenants and ruinous for
 * a hundred thousand; first-come keeps the label of a tenant stable for the
 * life of the process (it never moves from its name to `other`), which a
 * top-k scheme would not. Each replica picks its own set; sum by tenant over
 * replicas is exact for named tenants, and `other` holds the rest.
 */
export class TenantLabels {
  static readonly OTHER = 'other';
  readonly #limit: number;
  readonly #named = new Set<string>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * The label value for `tenant`.
   *
   * @example
   * const labels = new TenantLabels(1);
   * labels.of('acme'); // 'acme'
   * labels.of('beta'); // 'other'
   */
  of(tenant: string): string {
    if (this.#named.has(tenant)) return tenant;
    if (this.#named.size < this.#limit && tenant !== TenantLabels.OTHER) {
      this.#named.add(tenant);
      return tenant;
    }
    return TenantLabels.OTHER;
  }

  /** True when `tenant` has its own label (its gauges are meaningful). */
  isNamed(tenant: string): boolean {
    return this.#named.has(tenant);
  }
}
