import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRow } from '../../../src/audit/index.js';
import { foldTraffic, TRAFFIC_HOURS } from '../../../src/gateway/console/tenant-traffic.js';

const NOW = Date.parse('2026-11-25T10:30:00Z');
let seq = 0;
function row(fields: Partial<AuditRow> & { time: string }): AuditRow {
  seq += 1;
  return { seq, prevHash: '', hash: '', eventType: 'a2a.call', actor: { kind: 'client', id: 'c' }, outcome: 'ok', targetAgent: 'echo', method: 'SendMessage', ...fields };
}

test("a tenant's hours count its own calls only: failed and denied apart, latency of the calls that ran, credits once charged", () => {
  const rows = [
    row({ time: '2026-11-25T10:01:00Z', tenant: 'demo', durationMs: 100, milliCredits: 2000, detail: { settled: true } }),
    row({ time: '2026-11-25T10:02:00Z', tenant: 'demo', durationMs: 300, outcome: 'error' }),
    row({ time: '2026-11-25T10:03:00Z', tenant: 'demo', eventType: 'scope.denied', outcome: 'denied', durationMs: 1 }),
    // Held while the task ran on: charged by its settlement, not twice.
    row({ time: '2026-11-25T10:04:00Z', tenant: 'demo', durationMs: 50, milliCredits: 9000, detail: { settled: false } }),
    row({ time: '2026-11-25T10:20:00Z', tenant: 'demo', eventType: 'credits.settled', method: undefined, milliCredits: 4000 }),
    row({ time: '2026-11-25T10:05:00Z', tenant: 'acme', durationMs: 5000, milliCredits: 7000, detail: { settled: true } }),
    row({ time: '2026-11-25T09:10:00Z', tenant: 'demo', durationMs: 20 }),
    row({ time: '2026-11-24T08:00:00Z', tenant: 'demo', durationMs: 20 }),
    row({ time: '2026-11-25T10:06:00Z', tenant: 'demo', eventType: 'console.act-as', targetAgent: undefined, method: 'POST /v1/console/act-as' }),
  ];
  const { tenant, hours } = foldTraffic('demo', rows, NOW);
  assert.equal(tenant, 'demo');
  assert.equal(hours.length, TRAFFIC_HOURS);
  const last = hours[hours.length - 1]!;
  assert.equal(last.at, '2026-11-25T10:00:00.000Z');
  assert.deepEqual({ calls: last.calls, errors: last.errors, denied: last.denied, p50: last.p50Ms, p95: last.p95Ms, credits: last.milliCredits }, { calls: 4, errors: 1, denied: 1, p50: 100, p95: 300, credits: 6000 });
  assert.equal(hours[hours.length - 2]!.calls, 1);
  assert.equal(hours.reduce((n, h) => n + h.calls, 0), 5, 'the call before the day and acme’s are not counted');
  assert.ok(hours.slice(0, -2).every((h) => h.calls === 0 && h.p50Ms === null));
});
