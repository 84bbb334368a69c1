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
 * It reads two fields prom-client keeps (`hashMap`, `sortedLabelNames`) and
 * the shape of their entries; `test/unit/observability/bound-series.test.ts`
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

interface Internals<E> {
  hashMap: Record<string, E | undefined>;
  sortedLabelNames?: readonly string[];
  enableExemplars?: boolean;
  upperBounds?: readonly number[];
}

interface ValueEntry {
  value: number;
}

interface HistogramEntry {
  sum: number;
  count: number;
  bucketValues: Record<number, number>;
}

/** prom-client's key for a label set: `name:value,` for each label name in sorted order that has a value. */
function seriesKey(internals: Internals<unknown>, labels: Record<string, unknown>): string | undefined {
  const sortedLabelNames = internals.sortedLabelNames;
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

function internalsOf<E>(metric: object): Internals<E> {
  return metric as unknown as Internals<E>;
}

export function boundCounter<T extends string>(counter: Counter<T>, labels: LabelValues<T>): BoundCounter {
  const internals = internalsOf<ValueEntry>(counter);
  // Exemplar-enabled counters take an options object: always prom-client's path.
  const key = internals.enableExemplars === true ? undefined : seriesKey(internals, labels);
  return {
    inc(value = 1) {
      const entry = key === undefined ? undefined : internals.hashMap[key];
      // Finite and not negative: what prom-client accepts; anything else is its to refuse.
      if (entry !== undefined && value >= 0 && Number.isFinite(value)) entry.value += value;
      else counter.inc(labels, value);
    },
  };
}

export function boundGauge<T extends string>(gauge: Gauge<T>, labels: LabelValues<T>): BoundGauge {
  const internals = internalsOf<ValueEntry>(gauge);
  const key = seriesKey(internals, labels);
  const add = (delta: number): void => {
    const entry = key === undefined ? undefined : internals.hashMap[key];
    if (entry !== undefined && typeof delta === 'number') entry.value += delta;
    else gauge.inc(labels, delta);
  };
  return {
    inc: (value = 1) => add(value),
    dec: (value = 1) => add(-value),
  };
}

export function boundHistogram<T extends string>(histogram: Histogram<T>, labels: LabelValues<T>): BoundHistogram {
  const internals = internalsOf<HistogramEntry>(histogram);
  const bounds = internals.upperBounds;
  const key = internals.enableExemplars === true || bounds === undefined ? undefined : seriesKey(internals, labels);
  const child = histogram.labels(labels);
  // Each bound as the property name prom-client's `bucketValues[bound]` reads and writes: a fractional
  // number used as a key is converted to its string on every access, which cost more than the rest of an observe.
  const names = bounds?.map((bound) => String(bound)) ?? [];
  return {
    observe(value) {
      const entry = key === undefined ? undefined : internals.hashMap[key];
      if (entry === undefined || !Number.isFinite(value)) {
        child.observe(value);
        return;
      }
      entry.sum += value;
      entry.count += 1;
      // The first bucket the value fits (prom-client's findBound); past the last, only +Inf (sum and count) takes it.
      for (let i = 0; i < names.length; i++) {
        if (value <= bounds![i]!) {
          const buckets = entry.bucketValues as Record<string, number>;
          const name = names[i]!;
          if (Object.hasOwn(buckets, name)) buckets[name]! += 1;
          break;
        }
      }
    },
  };
}
