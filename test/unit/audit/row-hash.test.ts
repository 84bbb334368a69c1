import { test } from 'node:test';
import { createHash } from 'node:crypto';
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

test('one-shot hash = the former two updates (prev_hash, then the fields): stored chains still verify, lone surrogates included', () => {
  const twoUpdates = (prev: string, row: ReturnType<typeof chainRows>[number]) =>
    createHash('sha256')
      .update(prev)
      .update(JSON.stringify([row.seq, row.time, row.event_type, row.actor_kind, row.actor_id, row.target_agent, row.task_id, row.skill, row.tenant, row.user_id, row.ip, row.user_agent, row.method, row.input_hash, row.output_hash, row.duration_ms, row.milli_credits, row.error_code, row.outcome, row.detail]))
      .digest('hex');
  const odd = ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '😀', 'é\u0000"\\\u2028'];
  const tricky = odd.map((s, i) => toPendingRow({ eventType: 'a2a.call', actor: { kind: 'agent', id: s }, outcome: 'ok', userAgent: s + s, detail: { s } }, 2000 + i));
  for (const row of chainRows(GENESIS_TIP, tricky)) {
    assert.equal(row.hash, twoUpdates(row.prev_hash, row));
    // A prev_hash read back tampered (not hex) still hashes as it did.
    assert.equal(rowHash('\ud83d' + row.prev_hash.slice(1) + '\ud83d', row), twoUpdates('\ud83d' + row.prev_hash.slice(1) + '\ud83d', row));
  }
  // Pinned: the first row above as the two-update code (before 3af6cad) hashed it.
  assert.equal(chainRows(GENESIS_TIP, tricky)[0]!.hash, 'b60448ae5952d199d27435bbfd4ca2231768b840091d412a072503ad4c440515');
});
