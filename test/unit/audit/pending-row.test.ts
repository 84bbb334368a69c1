import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPendingRow } from '../../../src/audit/pending-row.js';
import type { AuditEntry } from '../../../src/audit/index.js';

const base: AuditEntry = { eventType: 'a2a.call', actor: { kind: 'client', id: 'c-1' }, outcome: 'ok' };

test('an entry becomes column values, absent fields null', () => {
  const row = toPendingRow({ ...base, tenant: 'acme', milliCredits: 1500, durationMs: 12.6, time: '2026-08-01T00:00:00.000Z' }, 5);
  assert.equal(row.time, Date.parse('2026-08-01T00:00:00.000Z'));
  assert.equal(row.actor_kind, 'client');
  assert.equal(row.actor_id, 'c-1');
  assert.equal(row.tenant, 'acme');
  assert.equal(row.milli_credits, 1500);
  assert.equal(row.duration_ms, 13);
  assert.equal(row.skill, null);
  assert.equal(row.detail, null);
  assert.equal(toPendingRow(base, 42).time, 42);
});

test('malformed entries are refused with a message naming the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...base, eventType: 'A2A Call' }, /eventType must be a dotted lowercase name/],
    [{ ...base, eventType: undefined }, /eventType/],
    [{ ...base, outcome: 'fine' }, /outcome must be "ok", "denied" or "error"/],
    [{ ...base, actor: { kind: 'robot' } }, /actor.kind must be one of client, api-key, external, agent, anonymous/],
    [{ ...base, actor: undefined }, /actor.kind/],
    [{ ...base, milliCredits: 1.5 }, /milliCredits must be an integer number of milli-credits/],
    [{ ...base, durationMs: -1 }, /durationMs must be a non-negative number/],
    [{ ...base, time: 'yesterday' }, /time must be an ISO 8601 date-time/],
    [{ ...base, tenant: 7 }, /tenant must be a string/],
    [{ ...base, detail: [1, 2] }, /detail must be a JSON object/],
    [null, /entry must be an object/],
  ];
  for (const [entry, message] of cases) {
    assert.throws(() => toPendingRow(entry as AuditEntry, 0), { code: 'AM_ERR_AUDIT_INVALID_ARGUMENT', message }, JSON.stringify(entry));
  }
});

test('credentials in detail are redacted at any depth, whatever their case', () => {
  const row = toPendingRow({ ...base, detail: { clientId: 'c-1', Authorization: 'Bearer abc', nested: { client_secret: 's3cret', apiKey: 'am_k_1' }, list: [{ password: 'p' }] } }, 0);
  assert.deepEqual(JSON.parse(row.detail!), { clientId: 'c-1', Authorization: '[redacted]', nested: { client_secret: '[redacted]', apiKey: '[redacted]' }, list: [{ password: '[redacted]' }] });
  assert.doesNotMatch(row.detail!, /abc|s3cret|am_k_1/);
});

test('NUL characters are dropped and long strings cut, so any database stores the row', () => {
  const row = toPendingRow({ ...base, userAgent: `curl\u0000/8 ${'x'.repeat(5000)}` }, 0);
  assert.equal(row.user_agent!.includes('\u0000'), false);
  assert.equal(row.user_agent!.length, 1024);
  assert.ok(row.user_agent!.endsWith('…'));
});

test('an oversized detail is replaced by a note of its size', () => {
  const row = toPendingRow({ ...base, detail: { blob: 'y'.repeat(20_000) } }, 0);
  assert.deepEqual(JSON.parse(row.detail!), { truncated: true, bytes: 20_011 });
});
