/**
 * The gateway bench's report with the SPOE rows: their ratio to HAProxy
 * verifying the JWT (the 1.2× line), per round and as the median over the
 * rounds, and the agent's share of their front CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGatewayBench, gatewayRatios, summarizeRounds, type GatewayRow, type GatewayTarget } from '../../../bench/gateway/gateway-report.js';

function row(target: GatewayTarget, frontCpuMicros: number | undefined, agentCpuMicros?: number): GatewayRow {
  return { target, requestsPerSec: 1000, p50Ms: 5, p99Ms: 20, sequentialP50Ms: 0.4, sequentialP99Ms: 2, errors: 0, non2xx: 0, runtimeCpuMicros: 90, frontCpuMicros, ...(agentCpuMicros !== undefined && { agentCpuMicros }) };
}

test('the SPOE rows are read against HAProxy JWT in their own round, without a gateway row too', () => {
  const ratios = gatewayRatios([row('haproxy-jwt', 70), row('haproxy-spoe', 105, 67), row('haproxy-spoe-cached', 77, 42)]);
  assert.deepEqual(ratios, { spoeOverHaproxy: 1.5, spoeCachedOverHaproxy: 1.1 });
  assert.deepEqual(gatewayRatios([row('haproxy-spoe', 105)]), {});
});

test('over rounds: the median of each round\'s ratio, the agent\'s share printed, the 1.2× verdict', () => {
  const report = summarizeRounds({
    roundRows: [
      [row('direct', undefined), row('haproxy-jwt', 70), row('haproxy-spoe', 112, 74), row('haproxy-spoe-cached', 77, 40), row('gateway', 150)],
      [row('direct', undefined), row('haproxy-jwt', 80), row('haproxy-spoe', 120, 80), row('haproxy-spoe-cached', 100, 60), row('gateway', 170)],
      [row('direct', undefined), row('haproxy-jwt', 75), row('haproxy-spoe', 150, 90), row('haproxy-spoe-cached', 80, 44), row('gateway', 160)],
    ],
    skipped: [],
    failed: [],
  });
  assert.equal(report.ratios.spoeOverHaproxy, 1.6);
  assert.equal(report.ratios.spoeCachedOverHaproxy, 1.1);
  assert.equal(report.rows.find((r) => r.target === 'haproxy-spoe')?.agentCpuMicros, 80);
  const text = formatGatewayBench(report).join('\n');
  assert.match(text, /HAProxy \+ agentmesh SPOE: of its 120 µs\/req, the policy agent's process 80, HAProxy 40/);
  assert.match(text, /HAProxy \+ SPOE agent ÷ HAProxy JWT .*1\.60× .*\(the 1\.2× line: NOT met\)/);
  assert.match(text, /verdict cached in HAProxy: .*1\.10× .*\(the 1\.2× line: met\)/);
});
