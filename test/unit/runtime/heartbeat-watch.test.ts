/**
 * The heartbeat watch judges a replica silent by how long it has watched its heartbeat stay the
 * same, never by the heartbeat's own time (ADR 0086).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HeartbeatWatch } from '../../../src/runtime/heartbeat-watch.js';

const LEASE = 1_000;
const ids = (stale: Array<{ id: string }>) => stale.map((s) => s.id);

test('a heartbeat unchanged for a lease is stale, whatever time it holds; one first seen, or changed, is not', () => {
  const watch = new HeartbeatWatch();
  // Times far in the future and far in the past: the watch never reads them as times.
  const rows = [{ id: 'ahead', heartbeatAt: 9e12 }, { id: 'behind', heartbeatAt: 1 }];
  assert.deepEqual(watch.stale(rows, 0, LEASE), [], 'first seen counts as a change');
  assert.deepEqual(watch.stale(rows, LEASE - 1, LEASE), []);
  assert.deepEqual(watch.stale(rows, LEASE, LEASE), [{ id: 'ahead', heartbeatAt: 9e12, silentMs: LEASE }, { id: 'behind', heartbeatAt: 1, silentMs: LEASE }]);
  assert.deepEqual(ids(watch.stale([{ id: 'ahead', heartbeatAt: 9e12 + 1 }, { id: 'behind', heartbeatAt: 1 }], LEASE + 5, LEASE)), ['behind'], 'a changed heartbeat is alive again');
});

test('after a read that failed, what was watched is forgotten: nobody is stale before another lease', () => {
  const watch = new HeartbeatWatch();
  const rows = [{ id: 'r', heartbeatAt: 5 }];
  watch.stale(rows, 0, LEASE);
  watch.forget();
  assert.deepEqual(watch.stale(rows, 10 * LEASE, LEASE), [], 'the database was out of reach: the heartbeat may not have landed');
  assert.deepEqual(ids(watch.stale(rows, 11 * LEASE, LEASE)), ['r']);
});

test('a row gone is forgotten: back with the same heartbeat, it is watched anew', () => {
  const watch = new HeartbeatWatch();
  watch.stale([{ id: 'r', heartbeatAt: 5 }], 0, LEASE);
  watch.stale([], LEASE, LEASE);
  assert.deepEqual(watch.stale([{ id: 'r', heartbeatAt: 5 }], 2 * LEASE, LEASE), []);
});

test('any sequence of reads: a replica is stale exactly when its heartbeat has held its value for a lease of reads', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 2 * LEASE }), beats: fc.boolean() }), { minLength: 1, maxLength: 40 }), (reads) => {
      const watch = new HeartbeatWatch();
      let now = 0;
      let value = 0;
      let since = 0;
      for (const [i, read] of reads.entries()) {
        now += read.gap;
        if (read.beats || i === 0) {
          value += 1;
          since = now;
        }
        const stale = watch.stale([{ id: 'r', heartbeatAt: value }], now, LEASE);
        assert.equal(stale.length === 1, now - since >= LEASE);
      }
    }),
  );
});
