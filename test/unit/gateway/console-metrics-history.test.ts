import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsHistory } from '../../../src/gateway/console/metrics-history.js';
import { createMetrics } from '../../../src/observability/metrics.js';

function gatewayMetrics() {
  const metrics = createMetrics({ defaultMetrics: false });
  // The series the gateway's GatewayMetrics declares (gateway-metrics.ts).
  const calls = metrics.counter('agentmesh_gateway_calls_total', 'calls', ['agent', 'outcome']);
  const duration = metrics.histogram('agentmesh_gateway_call_duration_seconds', 'duration', ['agent'], [0.01, 0.1, 1]);
  return { metrics, calls, duration };
}

test('a sample sums the calls by outcome and the duration buckets across agents, +Inf as -1', async () => {
  const { metrics, calls, duration } = gatewayMetrics();
  calls.labels({ agent: 'echo', outcome: 'ok' }).inc(3);
  calls.labels({ agent: 'finance', outcome: 'ok' }).inc(2);
  calls.labels({ agent: 'finance', outcome: 'error' }).inc();
  calls.labels({ agent: 'finance', outcome: 'not-an-outcome' }).inc();
  duration.labels({ agent: 'echo' }).observe(0.005);
  duration.labels({ agent: 'finance' }).observe(0.5);
  duration.labels({ agent: 'finance' }).observe(5);
  const point = await new MetricsHistory({ metrics, clock: () => 42 }).sample();
  assert.deepEqual(point, { at: 42, calls: { ok: 5, error: 1, denied: 0 }, buckets: { le: [0.01, 0.1, 1, -1], counts: [1, 1, 2, 3] } });
});

test('the history keeps at most its capacity, oldest first, and adds a point read now', async () => {
  const { metrics, calls } = gatewayMetrics();
  let now = 0;
  const history = new MetricsHistory({ metrics, capacity: 2, clock: () => (now += 1000) });
  for (let i = 0; i < 3; i++) {
    calls.labels({ agent: 'echo', outcome: 'ok' }).inc();
    await history.record();
  }
  calls.labels({ agent: 'echo', outcome: 'ok' }).inc();
  const points = await history.points();
  assert.deepEqual(points.map((p) => [p.at, p.calls['ok']]), [[2000, 2], [3000, 3], [4000, 4]]);
});
