import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { boundCounter, boundGauge, boundHistogram } from '../../../src/observability/bound-series.js';

/**
 * A bound series adds to prom-client's own series in place (bound-series.ts):
 * whatever is done through it must export exactly what the same updates
 * through prom-client's `labels()` children export, including after the
 * metric was reset or a series removed, and refuse what prom-client refuses.
 * An upgrade of prom-client that changes what bound-series.ts relies on
 * fails here.
 */
type Op = { kind: 'inc' | 'gauge' | 'observe'; series: number; value: number } | { kind: 'reset' } | { kind: 'remove'; series: number };

const LABELS = [
  { agent: 'a', outcome: 'ok' },
  { agent: 'b', outcome: 'error' },
  { agent: 'a b', outcome: 'ok' },
];
const BUCKETS = [0.001, 0.01, 0.1, 1];

function metricsOf(registry: Registry) {
  return {
    counter: new Counter({ name: 'c_total', help: 'h', labelNames: ['agent', 'outcome'], registers: [registry] }),
    gauge: new Gauge({ name: 'g', help: 'h', labelNames: ['agent', 'outcome'], registers: [registry] }),
    histogram: new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['agent', 'outcome'], buckets: BUCKETS, registers: [registry] }),
  };
}

test('updates through bound series export what the same updates through prom-client children export', async () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constantFrom('inc' as const, 'gauge' as const), series: fc.integer({ min: 0, max: 2 }), value: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 1000 })) }),
    fc.record({ kind: fc.constant('observe' as const), series: fc.integer({ min: 0, max: 2 }), value: fc.oneof(fc.constantFrom(0, 0.001, 0.01, 1, 5), fc.double({ min: 0, max: 3, noNaN: true })) }),
    fc.record({ kind: fc.constant('reset' as const) }),
    fc.record({ kind: fc.constant('remove' as const), series: fc.integer({ min: 0, max: 2 }) }),
  ) as fc.Arbitrary<Op>;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
      const ours = new Registry();
      const theirs = new Registry();
      const a = metricsOf(ours);
      const b = metricsOf(theirs);
      const bound = LABELS.map((labels) => ({ count: boundCounter(a.counter, labels), gauge: boundGauge(a.gauge, labels), time: boundHistogram(a.histogram, labels) }));
      const children = LABELS.map((labels) => ({ count: b.counter.labels(labels), gauge: b.gauge.labels(labels), time: b.histogram.labels(labels) }));
      for (const o of ops) {
        if (o.kind === 'inc') {
          bound[o.series]!.count.inc(o.value);
          children[o.series]!.count.inc(o.value);
        } else if (o.kind === 'gauge') {
          bound[o.series]!.gauge.inc(o.value);
          bound[o.series]!.gauge.dec(1);
          children[o.series]!.gauge.inc(o.value);
          children[o.series]!.gauge.dec(1);
        } else if (o.kind === 'observe') {
          bound[o.series]!.time.observe(o.value);
          children[o.series]!.time.observe(o.value);
        } else if (o.kind === 'reset') {
          for (const m of [a, b]) {
            m.counter.reset();
            m.gauge.reset();
            m.histogram.reset();
          }
        } else {
          for (const m of [a, b]) {
            m.counter.remove(LABELS[o.series]!);
            m.gauge.remove(LABELS[o.series]!);
            m.histogram.remove(LABELS[o.series]!);
          }
        }
      }
      assert.equal(await ours.metrics(), await theirs.metrics());
    }),
    { numRuns: 300 },
  );
});

test('a bound series refuses what prom-client refuses: a counter going down, a value that is not a number, a label the metric lacks', () => {
  const registry = new Registry();
  const { counter, histogram } = metricsOf(registry);
  const count = boundCounter(counter, LABELS[0]!);
  count.inc();
  assert.throws(() => count.inc(-1), /not possible to decrease/);
  assert.throws(() => count.inc(Number.POSITIVE_INFINITY), /not a valid number/);
  const time = boundHistogram(histogram, LABELS[0]!);
  time.observe(0.5);
  assert.throws(() => time.observe(Number.NaN), /not a valid number/);
  const stray = boundCounter(counter, { agent: 'a', nope: 'x' } as never);
  assert.throws(() => stray.inc(), /not included in initial labelset/);
});

test('a bound histogram counts into the bucket prom-client names for each bound, fractions, integers and exponents alike', async () => {
  // Bound names are the bounds as property names ("0.005", "10", "1e-7", "1e+21"): each must be the bucket prom-client counts into.
  const buckets = [1e-7, 0.005, 0.25, 1, 2.5, 10, 1e21];
  const values = [0, 1e-8, 1e-7, 0.004, 0.005, 0.2, 1, 2, 2.5, 9.99, 10, 11, 1e20, 1e21, 1e22];
  const ours = new Registry();
  const theirs = new Registry();
  const make = (registry: Registry) => new Histogram({ name: 'b_seconds', help: 'h', labelNames: ['agent'], buckets, registers: [registry] });
  const bound = boundHistogram(make(ours), { agent: 'a' });
  const child = make(theirs).labels({ agent: 'a' });
  // The first observation creates the series through prom-client; the rest are counted in place.
  for (const value of values) {
    bound.observe(value);
    child.observe(value);
  }
  const text = await ours.metrics();
  assert.equal(text, await theirs.metrics());
  assert.match(text, /b_seconds_bucket\{le="1e-7",agent="a"\} 3\n/);
  assert.match(text, /b_seconds_bucket\{le="10",agent="a"\} 11\n/);
});

test("once its series exists, a bound series adds to it in place: prom-client's own update is not called", async () => {
  // The in-place path reads prom-client's private fields by name, each checked; a field not as expected
  // sends every update to prom-client (still right, only slower), which this test would see.
  const registry = new Registry();
  const { counter, gauge, histogram } = metricsOf(registry);
  const through: string[] = [];
  const spy = (target: object, method: 'inc' | 'observe'): void => {
    const own: unknown = Reflect.get(target, method);
    if (typeof own !== 'function') throw new Error(`no ${method}()`);
    Reflect.set(target, method, (...args: unknown[]) => {
      through.push(method);
      return Reflect.apply(own, target, args);
    });
  };
  // A bound histogram makes its prom-client child when bound: that child's observe is the one watched.
  const labels = histogram.labels.bind(histogram);
  Reflect.set(histogram, 'labels', (values: Record<string, string>) => {
    const child = labels(values);
    spy(child, 'observe');
    return child;
  });
  const count = boundCounter(counter, LABELS[0]!);
  const level = boundGauge(gauge, LABELS[0]!);
  const time = boundHistogram(histogram, LABELS[0]!);
  spy(counter, 'inc');
  spy(gauge, 'inc');
  count.inc();
  level.inc(2);
  time.observe(0.5);
  assert.deepEqual(through, ['inc', 'inc', 'observe'], 'the first update of each series is prom-client\'s');
  through.length = 0;
  count.inc(3);
  level.dec(1);
  time.observe(0.05);
  assert.deepEqual(through, []);
  const text = await registry.metrics();
  assert.match(text, /c_total\{agent="a",outcome="ok"\} 4\n/);
  assert.match(text, /g\{agent="a",outcome="ok"\} 1\n/);
  assert.match(text, /h_seconds_bucket\{le="0.1",agent="a",outcome="ok"\} 1\n/);
  assert.match(text, /h_seconds_count\{agent="a",outcome="ok"\} 2\n/);
});
