import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { toPendingRow } from '../../../src/audit/pending-row.js';
import fc from 'fast-check';
import type { AuditEntry } from '../../../src/contracts/audit/index.js';
import { GENESIS_HASH, GENESIS_TIP, chainRows, rowFieldsJson, rowHash, rowOfFields } from '../../../src/audit/row-hash.js';

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

// ADR 0063: a journaled row carries its columns' JSON, which its hash and its journal line reuse.
const text = fc.option(fc.string({ unit: fc.constantFrom('a', 'é', '"', '\\', '\u2028', '\ud800', '\udfff', '\u0000', '\ud83d\ude00'), maxLength: 12 }), { nil: undefined });
const entry = fc.record({
  eventType: fc.constantFrom('a2a.call', 'credits.insufficient', 'Not An Event'),
  actor: fc.record({ kind: fc.constantFrom('client', 'agent', 'hacker'), id: text }),
  outcome: fc.constantFrom('ok', 'denied', 'error', 'maybe'),
  tenant: text,
  targetAgent: text,
  taskId: text,
  skill: text,
  userAgent: text,
  method: text,
  inputHash: text,
  durationMs: fc.option(fc.oneof(fc.double(), fc.integer({ min: 0 }), fc.constant(2 ** 60)), { nil: undefined }),
  milliCredits: fc.option(fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 60)), { nil: undefined }),
  detail: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
});

test('the hash over a row\'s prepared fields JSON is the hash over its columns, byte for byte, for any entry', () => {
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.nat({ max: 2 ** 40 }), (entries, seq) => {
      const pending = entries.map((e, i) => toPendingRow(e as AuditEntry, 1_000 + i));
      const tip = { seq, hash: createHash('sha256').update(String(seq)).digest('hex') };
      const plain = chainRows(tip, pending);
      const prepared = chainRows(tip, pending, pending.map(rowFieldsJson));
      assert.deepEqual(prepared, plain);
      for (const row of prepared) assert.equal(rowHash(row.prev_hash, row), row.hash);
    }),
  );
});

test('a row read back from its fields JSON (a journal line) is the row, and rebuilds the same JSON', () => {
  fc.assert(
    fc.property(entry, (e) => {
      const row = toPendingRow(e as AuditEntry, 5);
      const json = rowFieldsJson(row);
      const back = rowOfFields(JSON.parse(json));
      // JSON writes -0 as 0, as both databases store it: the hash is over that text either way.
      assert.deepEqual(back, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v])));
      assert.equal(rowFieldsJson(back!), json);
    }),
  );
});

test('fields JSON that is not a row reads back as none', () => {
  const json = JSON.parse(rowFieldsJson(rows[0]!)) as unknown[];
  assert.notEqual(rowOfFields(json), undefined);
  for (const broken of [json.slice(1), [...json, null], json.map((v, i) => (i === 0 ? '1000' : v)), json.map((v, i) => (i === 1 ? null : v)), json.map((v, i) => (i === 15 ? 1.5 : v)), json.map((v, i) => (i === 4 ? 7 : v)), {}, null, 'x']) {
    assert.equal(rowOfFields(broken), undefined, JSON.stringify(broken));
  }
});

test('pinned: the tricky first row above hashes as stored chains do when its fields JSON is reused', () => {
  const odd = ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '😀', 'é\u0000"\\\u2028'];
  const tricky = odd.map((s, i) => toPendingRow({ eventType: 'a2a.call', actor: { kind: 'agent', id: s }, outcome: 'ok', userAgent: s + s, detail: { s } }, 2000 + i));
  assert.equal(chainRows(GENESIS_TIP, tricky, tricky.map(rowFieldsJson))[0]!.hash, 'b60448ae5952d199d27435bbfd4ca2231768b840091d412a072503ad4c440515');
});
