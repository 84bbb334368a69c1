import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packEvents, unpackEvents } from '../../../src/storage/event-rows.js';

const events = [
  { seq: 5, kind: 'status', payload: '{"statusUpdate":{"text":"line\\nbreak"}}' },
  { seq: 6, kind: 'artifact', payload: '{"artifactUpdate":{}}' },
  { seq: 7, kind: 'status', payload: '{"statusUpdate":{}}' },
];

test('the events of one write round-trip through one row', () => {
  const row = packEvents('t1', events, 1000);
  assert.equal(row.seq, 5);
  assert.equal(row.last_seq, 7);
  const back = unpackEvents([row], 0, 100);
  assert.deepEqual(
    back.map((e) => [e.seq, e.kind, e.payload]),
    events.map((e) => [e.seq, e.kind, e.payload]),
  );
  assert.equal(back[0]!.createdAt, 1000);
});

test('unpacking skips events at or before afterSeq and stops at the limit', () => {
  const rows = [packEvents('t1', events, 1), packEvents('t1', [{ seq: 8, kind: 'status', payload: '{}' }], 2)];
  assert.deepEqual(unpackEvents(rows, 6, 100).map((e) => e.seq), [7, 8]);
  assert.deepEqual(unpackEvents(rows, 0, 2).map((e) => e.seq), [5, 6]);
});

test('a payload with a raw newline is refused, not silently split', () => {
  assert.throws(() => packEvents('t1', [{ seq: 1, kind: 'status', payload: '{\n}' }], 1), /single-line JSON/);
});
