import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossingAfter, nextAlertFlag } from '../../../src/tenancy/low-balance.js';
import { TenantLabels } from '../../../src/tenancy/tenant-labels.js';

test('the alert rises once when available falls below the threshold, and re-arms at or above it', () => {
  assert.deepEqual(nextAlertFlag({ available: 999, threshold: 1_000, alerted: false }), { alerted: true, emit: true });
  assert.deepEqual(nextAlertFlag({ available: 10, threshold: 1_000, alerted: true }), { alerted: true, emit: false });
  assert.deepEqual(nextAlertFlag({ available: 1_000, threshold: 1_000, alerted: true }), { alerted: false, emit: false });
  assert.deepEqual(nextAlertFlag({ available: 5_000, threshold: 1_000, alerted: false }), { alerted: false, emit: false });
});

test('a threshold of 0 never alerts', () => {
  assert.deepEqual(nextAlertFlag({ available: 0, threshold: 0, alerted: false }), { alerted: false, emit: false });
});

test("a tenant's own threshold wins over the default", () => {
  const row = { tenant: 'vip', available: 5_000, low_balance_threshold: 10_000, low_balance_alerted: 0 };
  const { flag, event } = crossingAfter(row, 1_000, Date.UTC(2026, 7, 1));
  assert.equal(flag, 1);
  assert.deepEqual(event, { tenant: 'vip', availableMilliCredits: 5_000, thresholdMilliCredits: 10_000, at: '2026-08-01T00:00:00.000Z' });
  assert.deepEqual(crossingAfter({ ...row, low_balance_threshold: null }, 1_000, 0), { flag: undefined, event: undefined });
});

test('tenant labels: the first N tenants keep their name for good, later ones are "other"', () => {
  const labels = new TenantLabels(2);
  assert.equal(labels.of('a'), 'a');
  assert.equal(labels.of('b'), 'b');
  assert.equal(labels.of('c'), 'other');
  assert.equal(labels.of('a'), 'a');
  assert.equal(labels.isNamed('c'), false);
  assert.equal(new TenantLabels(5).of('other'), 'other', 'a tenant named "other" never gets a label of its own');
  assert.equal(new TenantLabels(0).of('a'), 'other');
});
