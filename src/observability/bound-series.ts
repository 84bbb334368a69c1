import type { Counter, Gauge, Histogram, LabelValues } from 'prom-client';

/**
 * A series of a prom-client metric bound to one label set, updated without
 * hashing its labels on every call.
 *
 * Why: prom-client's `metric.labels({...})` returns a child that only binds
 * the label object: every `inc()` or `observe()` still builds the label
 * hash string, checks each label name against the metric's and (counters)
 * allocates a result object. The gateway updates a dozen series per relayed
 * call, so that was a measurable part of its per-call work (docs/adr/0054).
 * A bound series computes the hash once and, when the metric already holds
 * that series, adds to it in place. Anything else (the series not there
 * yet, the metric reset or the series removed since, an exemplar-enabled
 * metric, a value prom-client would refuse) goes through prom-client's own
 * call, so what is exported, validated and thrown is what prom-client does.
 *
 * It reads fields prom-client keeps (`hashMap`, `sortedLabelNames`,
 * `upperBounds`, `enableExemplars`) by name, checking the shape of each
 * and of their entries on every read (a shape otherwise is prom-client's own call); `test/unit/observability/bound-series.test.ts`
 * pins that exports match prom-client's own children, so an upgrade that
 * changes them fails there rather than miscounting.
 */
export interface BoundCounter {
  inc(value?: number): void;
}

export interface BoundGauge {
  inc(value?: number): void;
  dec(value?: number): void;
}

export interface BoundHistogram {
  observe(value: number): void;
}

/**
 * The fields of a metric a bound series reads, read by name: `Reflect` takes any object, so no type
 * is bent to reach them, and each is checked for the shape this file expects. A field missing or
 * otherwise shaped makes every update go through prom-client's own call.
 */
interface Fields {
  sortedLabelNames: readonly string[] | undefined;
  enableExemplars: boolean;
  upperBounds: readonly number[] | undefined;
}

function fieldsOf(metric: object): Fields {
  const names: unknown = Reflect.get(metric, 'sortedLabelNames');
  const bounds: unknown = Reflect.get(metric, 'upperBounds');
  return {
    sortedLabelNames: Array.isArray(names) && names.every((name) => typeof name === 'string') ? names : undefined,
    enableExemplars: Reflect.get(metric, 'enableExemplars') === true,
    upperBounds: Array.isArray(bounds) && bounds.every((bound) => typeof bound === 'number') ? bounds : undefined,
  };
}

/** The metric's entry for the series `key` now (prom-client's `hashMap[key]`: a reset replaces the map). */
function entryOf(metric: object, key: string | undefined): object | undefined {
  if (key === undefined) return undefined;
  const map: unknown = Reflect.get(metric, 'hashMap');
  const entry: unknown = typeof map === 'object' && map !== null ? Reflect.get(map, key) : undefined;
  return typeof entry === 'object' && entry !== null ? entry : undefined;
}

/** prom-client's key for a label set: `name:value,` for each label name in sorted order that has a value. */
function seriesKey(fields: Fields, labels: Record<string, unknown>): string | undefined {
  const sortedLabelNames = fields.sortedLabelNames;
  // A label the metric lacks: prom-client refuses it on every update, so every update goes to it.
  if (sortedLabelNames === undefined || Object.keys(labels).some((name) => !sortedLabelNames.includes(name))) return undefined;
  let key = '';
  for (const name of sortedLabelNames) {
    const value = labels[name];
    if (value === undefined) continue;
    key += `${name}:${String(value)},`;
  }
  return key;
}

export function boundCounter<T extends string>(counter: Counter<T>, labels: LabelValues<T>): BoundCounter {
  const fields = fieldsOf(counter);
  // Exemplar-enabled counters take an options object: always prom-client's path.
  const key = fields.enableExemplars ? undefined : seriesKey(fields, labels);
  return {
    inc(value = 1) {
      const entry = entryOf(counter, key);
      // Finite and not negative: what prom-client accepts; anything else is its to refuse.
      if (entry !== undefined && 'value' in entry && typeof entry.value === 'number' && value >= 0 && Number.isFinite(value)) entry.value += value;
      else counter.inc(labels, value);
    },
  };
}

export function boundGauge<T extends string>(gauge: Gauge<T>, labels: LabelValues<T>): BoundGauge {
  const key = seriesKey(fieldsOf(gauge), labels);
  const add = (delta: number): void => {
    const entry = entryOf(gauge, key);
    if (entry !== undefined && 'value' in entry && typeof entry.value === 'number' && typeof delta === 'number') entry.value += delta;
    else gauge.inc(labels, delta);
  };
  return {
    inc: (value = 1) => add(value),
    dec: (value = 1) => add(-value),
  };
}

export function boundHistogram<T extends string>(histogram: Histogram<T>, labels: LabelValues<T>): BoundHistogram {
  const fields = fieldsOf(histogram);
  const bounds = fields.upperBounds ?? [];
  const key = fields.enableExemplars || fields.upperBounds === undefined ? undefined : seriesKey(fields, labels);
  const child = histogram.labels(labels);
  // Each bound as the property name prom-client's `bucketValues[bound]` reads and writes: a fractional
  // number used as a key is converted to its string on every access, which cost more than the rest of an observe.
  const names = bounds.map((bound) => String(bound));
  return {
    observe(value) {
      const entry = entryOf(histogram, key);
      if (
        entry === undefined ||
        !Number.isFinite(value) ||
        !('sum' in entry && typeof entry.sum === 'number' && 'count' in entry && typeof entry.count === 'number' && 'bucketValues' in entry && typeof entry.bucketValues === 'object' && entry.bucketValues !== null)
      ) {
        child.observe(value);
        return;
      }
      entry.sum += value;
      entry.count += 1;
      // The first bucket the value fits (prom-client's findBound); past the last, only +Inf (sum and count) takes it.
      for (let i = 0; i < names.length; i++) {
        if (value <= bounds[i]!) {
          const buckets = entry.bucketValues;
          const name = names[i]!;
          const count: unknown = Object.hasOwn(buckets, name) ? Reflect.get(buckets, name) : undefined;
          if (typeof count === 'number') Reflect.set(buckets, name, count + 1);
          break;
        }
      }
    },
  };
}
