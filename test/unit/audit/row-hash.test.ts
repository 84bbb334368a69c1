import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPendingRow } from '../../../src/audit/pending-row.js';
import { GENESIS_HASH, GENESIS_TIP, chainRows, rowHash } from '../../../src/audit/row-hash.js';

const rows = [0, 1, 2].map((i) => toPendingRow({ eventType: 'a2a.call', actor: { kind: 'agent', id: `a${i}` }, outcome: 'ok', milliCredits: i }, 1000 + i));

test('chained rows get consecutive seqs, each linked to the hash of the one before', () => {
  const chained = chainRows(GENESIS_TIP, rows);
  assert.deepEqual(chained.map((r) => r.seq), [1, 2, 3]);
  assert.equal(chained[0]!.prev_hash, GENESIS_HASH);
  assert.equal(chained[1]!.prev_hash, chained[0]!.hash);
  assert.equal(chained[2]!.prev_hash, chained[1]!.hash);
  for (const row of chained) assert.equal(rowHash(row.prev_hash, row), row.hash);
});

test('a batch continues from the tip it is given', () => {
  const first = chainRows(GENESIS_TIP, rows.slice(0, 2));
  const next = chainRows({ seq: 2, hash: first[1]!.hash }, rows.slice(2));
  assert.deepEqual(next.map((r) => [r.seq, r.prev_hash]), [[3, first[1]!.hash]]);
  assert.equal(next[0]!.hash, chainRows(GENESIS_TIP, rows)[2]!.hash);
});

test('the hash covers every field, the seq and the link', () => {
  const [row] = chainRows(GENESIS_TIP, rows.slice(0, 1));
  const hash = row!.hash;
  assert.notEqual(rowHash(GENESIS_HASH, { ...row!, seq: 2 }), hash);
  assert.notEqual(rowHash(GENESIS_HASH, { ...row!, milli_credits: 1 }), hash);
  assert.notEqual(rowHash(GENESIS_HASH, { ...row!, detail: '{}' }), hash);
  assert.notEqual(rowHash('f'.repeat(64), row!), hash);
  // null and the string "null" are different values
  assert.notEqual(rowHash(GENESIS_HASH, { ...row!, skill: 'null' }), hash);
});
