import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric, RegistryContentType } from 'prom-client';
import { Errors } from '../protocol/index.js';

declare module 'prom-client' {
  // prom-client types a registry's setContentType with the one format it was
  // created with; its implementation (lib/registry.js) takes either format
  // and throws on anything else. The render switches formats per scrape.
  interface Registry {
    setContentType(contentType: RegistryContentType): void;
  }
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * Prefix of every metric name. Names given without it get it prepended, so
   * `counter('http_requests_total')` and `counter('agentmesh_http_requests_total')`
   * are the same metric. Default `agentmesh_`.
   */
  prefix?: string;
  /** Also collect Node's process metrics (CPU, memory, event loop lag, GC), prefixed. Default true. */
  defaultMetrics?: boolean;
}

/** Label names of a metric; values are given per observation. */
export type LabelNames = readonly string[];

/**
 * A metrics registry of one app. Metric factories are get-or-create: asking
 * twice for the same name returns the same metric, so components can declare
 * their metrics where they use them without coordinating.
 */
export interface Metrics {
  /** The prom-client registry behind this instance (never the global one). */
  readonly registry: Registry;
  /** A monotonically increasing count; name it `…_total`. */
  counter(name: string, help: string, labelNames?: LabelNames): Counter<string>;
  /**
   * A distribution; name it with its unit (`…_seconds`, `…_bytes`). Buckets
   * default to prom-client's. With `exemplars`, observations may carry an
   * exemplar (`observe({ labels, value, exemplarLabels: { trace_id } })`),
   * shown only to OpenMetrics scrapes.
   */
  histogram(name: string, help: string, labelNames?: LabelNames, buckets?: readonly number[], exemplars?: boolean): Histogram<string>;
  /**
   * A value that goes up and down. `collect`, when given, runs at every
   * scrape before the value is read (a value computed on demand, such as the
   * age of the oldest run, that no event would update); it applies when the
   * gauge is created.
   */
  gauge(name: string, help: string, labelNames?: LabelNames, collect?: (gauge: Gauge<string>) => void | Promise<void>): Gauge<string>;
  /**
   * The exposition of every metric, with its content type: OpenMetrics 1.0
   * (with exemplars) when `accept` prefers `application/openmetrics-text`
   * (as Prometheus does), else the Prometheus text format 0.0.4.
   */
  render(accept?: string): Promise<{ contentType: string; body: string }>;
}

type Kind = 'counter' | 'histogram' | 'gauge';

interface Entry {
  kind: Kind;
  labelNames: readonly string[];
  metric: Metric<string>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** How often the event loop's lag is sampled, in ms. */
const EVENT_LOOP_LAG_SAMPLE_MS = 50;

class PromMetrics implements Metrics {
  readonly registry: Registry;
  readonly #prefix: string;
  readonly #entries = new Map<string, Entry>();
  #rendering: Promise<void> = Promise.resolve();

  constructor(prefix: string, defaultMetrics: boolean) {
    this.registry = new Registry();
    this.#prefix = prefix;
    // prom-client samples the event loop's lag every 10 ms by default: a hundred wake-ups a second
    // that an idle role pays for (13-15 ms of CPU a second measured per role, colder caches for the
    // next call). Every 50 ms still catches any stall a lag alert or the dashboard's p99 cares about.
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix, eventLoopMonitoringPrecision: EVENT_LOOP_LAG_SAMPLE_MS });
  }

  counter(name: string, help: string, labelNames: LabelNames = []): Counter<string> {
    return this.#getOrCreate('counter', Counter<string>, name, labelNames, (fullName) =>
      new Counter({ name: fullName, help, labelNames, registers: [this.registry] }),
    );
  }

  histogram(name: string, help: string, labelNames: LabelNames = [], buckets?: readonly number[], exemplars = false): Histogram<string> {
    return this.#getOrCreate('histogram', Histogram<string>, name, labelNames, (fullName) => {
      const histogram = new Histogram({
        name: fullName,
        help,
        labelNames,
        // prom-client refuses exemplars on a registry created for the Prometheus
        // text format; this one switches format per scrape (render), so register by hand.
        registers: exemplars ? [] : [this.registry],
        enableExemplars: exemplars,
        ...(buckets === undefined ? {} : { buckets: [...buckets] }),
      });
      if (exemplars) this.registry.registerMetric(histogram);
      return histogram;
    });
  }

  gauge(name: string, help: string, labelNames: LabelNames = [], collect?: (gauge: Gauge<string>) => void | Promise<void>): Gauge<string> {
    return this.#getOrCreate('gauge', Gauge<string>, name, labelNames, (fullName) =>
      new Gauge({
        name: fullName,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect === undefined ? {} : { collect(this: Gauge<string>) { return collect(this); } }),
      }),
    );
  }

  render(accept?: string): Promise<{ contentType: string; body: string }> {
    const openMetrics = prefersOpenMetrics(accept);
    // One render at a time: the registry's format is switched for the length of one.
    const next = this.#rendering.then(() => (openMetrics ? this.#renderOpenMetrics() : this.#renderText()));
    this.#rendering = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  async #renderText(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async #renderOpenMetrics(): Promise<{ contentType: string; body: string }> {
    const registry = this.registry;
    // prom-client's OpenMetrics render strips `_total` from counters' names in
    // place (and adds it back to their samples): the names are put back after.
    // `name` is a field every metric has, which prom-client's types leave undeclared.
    const names = registry.getMetricsAsArray().map((m) => [m, 'name' in m ? m.name : undefined] as const);
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    try {
      return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await registry.metrics() };
    } finally {
      registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
      for (const [m, name] of names) Object.assign(m, { name });
    }
  }

  #getOrCreate<M extends Metric<string>>(kind: Kind, type: abstract new (...args: never[]) => M, name: string, labelNames: LabelNames, create: (fullName: string) => M): M {
    const fullName = name.startsWith(this.#prefix) ? name : this.#prefix + name;
    const existing = this.#entries.get(fullName);
    if (existing !== undefined) {
      // Same name, different shape is a programming error that would otherwise
      // surface as a confusing prom-client error at the first observation.
      if (existing.kind !== kind || !(existing.metric instanceof type) || !sameLabels(existing.labelNames, labelNames)) {
        throw Errors.metricShapeDiffers({ name: fullName, kind: existing.kind, labels: existing.labelNames.join(', ') });
      }
      return existing.metric;
    }
    if (!NAME_RE.test(fullName)) {
      throw Errors.metricNameInvalid({ quotedName: JSON.stringify(fullName) });
    }
    const metric = create(fullName);
    this.#entries.set(fullName, { kind, labelNames: [...labelNames], metric });
    return metric;
  }
}

/**
 * True when an Accept header ranks `application/openmetrics-text` at least as
 * high as `text/plain` (RFC 9110 §12.5.1 quality values). Prometheus sends
 * `application/openmetrics-text;version=1.0.0;q=0.5,…,text/plain;version=0.0.4;q=0.3,*\/*;q=0.2`;
 * curl sends `*\/*`, which gets the text format.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('openmetrics')) return false;
  let om = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return om > 0 && om >= text;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedA = [...a].sort();
  const sortedB = [...b].sort();
  return sortedA.every((label, i) => label === sortedB[i]);
}

/**
 * Creates the metrics registry of one app. Each call owns a fresh prom-client
 * `Registry`, so two apps in one process (tests, `agentmesh up`) never collide.
 *
 * @example
 * import { createMetrics } from '../observability/index.js';
 * const metrics = createMetrics({ prefix: 'agentmesh_' });
 * const tasks = metrics.counter('agentmesh_runtime_tasks_total', 'Tasks created.', ['agent']);
 * tasks.inc({ agent: 'sales' });
 * const { contentType, body } = await metrics.render();
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const { prefix = 'agentmesh_', defaultMetrics = true } = options;
  if (prefix !== '' && !NAME_RE.test(prefix)) {
    throw Errors.metricsPrefixInvalid({ given: JSON.stringify(prefix) });
  }
  return new PromMetrics(prefix, defaultMetrics);
}
