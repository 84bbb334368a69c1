import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric } from 'prom-client';
import { AgentmeshError, ErrorCodes } from '../protocol/index.js';

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
  /** A distribution; name it with its unit (`…_seconds`, `…_bytes`). Buckets default to prom-client's. */
  histogram(name: string, help: string, labelNames?: LabelNames, buckets?: readonly number[]): Histogram<string>;
  /**
   * A value that goes up and down. `collect`, when given, runs at every
   * scrape before the value is read (a value computed on demand, such as the
   * age of the oldest run, that no event would update); it applies when the
   * gauge is created.
   */
  gauge(name: string, help: string, labelNames?: LabelNames, collect?: (gauge: Gauge<string>) => void | Promise<void>): Gauge<string>;
  /** The Prometheus text exposition of every metric, with its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

type Kind = 'counter' | 'histogram' | 'gauge';

interface Entry {
  kind: Kind;
  labelNames: readonly string[];
  metric: Metric<string>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

class PromMetrics implements Metrics {
  readonly registry: Registry;
  readonly #prefix: string;
  readonly #entries = new Map<string, Entry>();

  constructor(prefix: string, defaultMetrics: boolean) {
    this.registry = new Registry();
    this.#prefix = prefix;
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix });
  }

  counter(name: string, help: string, labelNames: LabelNames = []): Counter<string> {
    return this.#getOrCreate('counter', name, labelNames, (fullName) =>
      new Counter({ name: fullName, help, labelNames, registers: [this.registry] }),
    ) as Counter<string>;
  }

  histogram(name: string, help: string, labelNames: LabelNames = [], buckets?: readonly number[]): Histogram<string> {
    return this.#getOrCreate('histogram', name, labelNames, (fullName) =>
      new Histogram({
        name: fullName,
        help,
        labelNames,
        registers: [this.registry],
        ...(buckets === undefined ? {} : { buckets: [...buckets] }),
      }),
    ) as Histogram<string>;
  }

  gauge(name: string, help: string, labelNames: LabelNames = [], collect?: (gauge: Gauge<string>) => void | Promise<void>): Gauge<string> {
    return this.#getOrCreate('gauge', name, labelNames, (fullName) =>
      new Gauge({
        name: fullName,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect === undefined ? {} : { collect(this: Gauge<string>) { return collect(this); } }),
      }),
    ) as Gauge<string>;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #getOrCreate(kind: Kind, name: string, labelNames: LabelNames, create: (fullName: string) => Metric<string>): Metric<string> {
    const fullName = name.startsWith(this.#prefix) ? name : this.#prefix + name;
    const existing = this.#entries.get(fullName);
    if (existing !== undefined) {
      // Same name, different shape is a programming error that would otherwise
      // surface as a confusing prom-client error at the first observation.
      if (existing.kind !== kind || !sameLabels(existing.labelNames, labelNames)) {
        throw new AgentmeshError(
          ErrorCodes.INTERNAL,
          `metric ${fullName} is already registered as a ${existing.kind} with labels [${existing.labelNames.join(', ')}]`,
        );
      }
      return existing.metric;
    }
    if (!NAME_RE.test(fullName)) {
      throw new AgentmeshError(ErrorCodes.INTERNAL, `metric name ${JSON.stringify(fullName)} is not a valid Prometheus name`);
    }
    const metric = create(fullName);
    this.#entries.set(fullName, { kind, labelNames: [...labelNames], metric });
    return metric;
  }
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
    throw new AgentmeshError(ErrorCodes.CONFIG_INVALID, `"prefix" option must be a valid Prometheus name prefix, got ${JSON.stringify(prefix)}`);
  }
  return new PromMetrics(prefix, defaultMetrics);
}
