import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayString, usageGrouping, usageWindow } from '../../../src/tenancy/usage-window.js';

const DAY = 86_400_000;

test('a date as from starts at its UTC midnight; as to it includes the whole day', () => {
  assert.deepEqual(usageWindow('2026-08-01', '2026-08-31'), { from: Date.UTC(2026, 7, 1), to: Date.UTC(2026, 7, 31) + DAY });
});

test('instants are taken as given, to exclusive', () => {
  assert.deepEqual(usageWindow('2026-08-01T09:30:00Z', '2026-08-01T12:00:00+02:00'), { from: Date.UTC(2026, 7, 1, 9, 30), to: Date.UTC(2026, 7, 1, 10) });
});

test('either bound may be left out', () => {
  assert.deepEqual(usageWindow(undefined, undefined), { from: undefined, to: undefined });
  assert.deepEqual(usageWindow('2026-01-01', undefined), { from: Date.UTC(2026, 0, 1), to: undefined });
});

test('non-ISO or impossible dates and reversed windows are refused', () => {
  assert.throws(() => usageWindow('August 1', undefined), /from must be a date \(YYYY-MM-DD\) or an ISO 8601 instant/);
  assert.throws(() => usageWindow('2026-02-30', undefined), /from must be a date/);
  assert.throws(() => usageWindow(undefined, '2026-13-01'), /to must be a date/);
  assert.throws(() => usageWindow('2026-08-02', '2026-08-01'), /to must be after from/);
});

test('grouping keeps the order given, drops duplicates, refuses unknown dimensions', () => {
  assert.deepEqual(usageGrouping(['day', 'agent', 'day']), ['day', 'agent']);
  assert.deepEqual(usageGrouping([]), []);
  assert.throws(() => usageGrouping(['tenant']), /groupBy must name only agent, skill, day/);
  assert.throws(() => usageGrouping('agent'), /groupBy must be a list/);
});

test('dayString renders days since the epoch as UTC dates', () => {
  assert.equal(dayString(0), '1970-01-01');
  assert.equal(dayString(Math.floor(Date.UTC(2026, 7, 1, 23, 59) / DAY)), '2026-08-01');
});
