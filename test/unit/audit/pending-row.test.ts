import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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

test('fields of the wrong type are coerced and recorded under detail.$coerced, never refused', () => {
  const cases: Array<[unknown, Partial<Record<string, unknown>>, Record<string, string>]> = [
    [{ ...base, eventType: 'A2A Call' }, { event_type: 'audit.invalid-entry' }, { eventType: 'A2A Call' }],
    [{ ...base, eventType: undefined }, { event_type: 'audit.invalid-entry' }, { eventType: 'undefined' }],
    [{ ...base, outcome: 'fine' }, { outcome: 'error' }, { outcome: 'fine' }],
    [{ ...base, actor: { kind: 'robot', id: 'r2' } }, { actor_kind: 'anonymous', actor_id: 'r2' }, { 'actor.kind': 'robot' }],
    [{ ...base, actor: undefined }, { actor_kind: 'anonymous', actor_id: null }, { actor: 'undefined' }],
    [{ ...base, milliCredits: 1.5 }, { milli_credits: null }, { milliCredits: 'number 1.5' }],
    [{ ...base, durationMs: -1 }, { duration_ms: null }, { durationMs: 'number -1' }],
    [{ ...base, durationMs: 1e300 }, { duration_ms: null }, { durationMs: 'number 1e+300' }],
    [{ ...base, time: 'yesterday' }, { time: 7 }, { time: 'yesterday' }],
    [{ ...base, tenant: 7 }, { tenant: '7' }, { tenant: 'number 7' }],
    [{ ...base, method: Object.prototype.toString }, { method: '[function toString]' }, { method: 'function toString' }],
    [{ ...base, method: { name: 'x' } }, { method: '[object]' }, { method: 'object' }],
    [{ ...base, detail: [1, 2] }, {}, { detail: 'array' }],
    [null, { event_type: 'audit.invalid-entry', actor_kind: 'anonymous', outcome: 'error' }, { entry: 'null' }],
  ];
  for (const [entry, columns, coerced] of cases) {
    const told: unknown[] = [];
    const row = toPendingRow(entry as AuditEntry, 7, (c) => told.push(c));
    for (const [column, value] of Object.entries(columns)) assert.equal(row[column as keyof typeof row], value, `${column} of ${String(JSON.stringify(entry))}`);
    assert.deepEqual((JSON.parse(row.detail!) as { $coerced: unknown }).$coerced, coerced);
    assert.deepEqual(told, [coerced]);
  }
  assert.deepEqual(JSON.parse(toPendingRow({ ...base, detail: [1, 2] } as unknown as AuditEntry, 0).detail!), { $coerced: { detail: 'array' }, value: [1, 2] });
});

test('an entry whose getters throw is still recorded, as unreadable', () => {
  const hostile = { ...base, get tenant(): string { throw new Error('boom'); } };
  const row = toPendingRow(hostile, 9);
  assert.deepEqual({ event_type: row.event_type, outcome: row.outcome, time: row.time, detail: JSON.parse(row.detail!) as unknown }, { event_type: 'audit.invalid-entry', outcome: 'error', time: 9, detail: { $coerced: { entry: 'unreadable: boom' } } });
});

test('a well-formed entry reports no coercion', () => {
  let told = false;
  const row = toPendingRow({ ...base, method: 'toString', detail: { a: 1 } }, 0, () => (told = true));
  assert.equal(told, false);
  assert.equal(row.method, 'toString');
  assert.equal(row.detail, '{"a":1}');
});

test('credentials in detail are redacted at any depth, whatever their case', () => {
  const row = toPendingRow({ ...base, detail: { clientId: 'c-1', Authorization: 'Bearer abc', nested: { client_secret: 's3cret', apiKey: 'am_k_1' }, list: [{ password: 'p' }] } }, 0);
  assert.deepEqual(JSON.parse(row.detail!), { clientId: 'c-1', Authorization: '[redacted]', nested: { client_secret: '[redacted]', apiKey: '[redacted]' }, list: [{ password: '[redacted]' }] });
  assert.doesNotMatch(row.detail!, /abc|s3cret|am_k_1/);
});

test('lone surrogates and NUL characters become U+FFFD and long strings are cut, so any database stores the row', () => {
  const row = toPendingRow({ ...base, taskId: '\ud800', skill: 'a\udc00b', userAgent: `curl\u0000/8 ${'x'.repeat(5000)}` }, 0);
  assert.equal(row.task_id, '\ufffd');
  assert.equal(row.skill, 'a\ufffdb');
  assert.ok(row.user_agent!.startsWith('curl\ufffd/8 x'));
  assert.equal(row.user_agent!.length, 1024);
  assert.ok(row.user_agent!.endsWith('…'));
});

test('a cut never splits a surrogate pair', () => {
  const row = toPendingRow({ ...base, userAgent: `${'x'.repeat(1022)}\u{1f600}tail` }, 0);
  assert.equal(row.user_agent, `${'x'.repeat(1022)}…`);
});

test('strings and keys inside detail are made storable too, and keys are sorted canonically', () => {
  const detail = JSON.parse('{"z":"\\u0000","\\ud800":["\\udfff"],"a":{"y":1,"x":2}}') as Record<string, unknown>;
  const row = toPendingRow({ ...base, detail }, 0);
  assert.equal(row.detail, '{"a":{"x":2,"y":1},"z":"\ufffd","\ufffd":["\ufffd"]}');
});

test('prototype-named keys in detail are kept as ordinary keys', () => {
  const detail = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c","toString":1}') as Record<string, unknown>;
  const row = toPendingRow({ ...base, detail }, 0);
  assert.equal(row.detail, '{"__proto__":{"polluted":true},"constructor":"c","toString":1}');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('an oversized detail is replaced by a marker holding the SHA-256 of its canonical JSON', () => {
  const canonical = `{"blob":"${'y'.repeat(20_000)}"}`;
  const row = toPendingRow({ ...base, detail: { blob: 'y'.repeat(20_000) } }, 0);
  assert.deepEqual(JSON.parse(row.detail!), { truncated: true, reason: 'size', bytes: 20_011, depth: 1, sha256: createHash('sha256').update(canonical).digest('hex') });
});

test('a detail nested deeper than 32 levels is replaced by a marker, however deep, without recursion', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 200_000; i++) deep = { d: deep };
  const row = toPendingRow({ ...base, detail: deep as Record<string, unknown> }, 0);
  const marker = JSON.parse(row.detail!) as { reason: string; depth: number; bytes: number; sha256: string };
  assert.deepEqual({ reason: marker.reason, depth: marker.depth, bytes: marker.bytes }, { reason: 'depth', depth: 200_000, bytes: 200_000 * 6 + 6 });
  assert.match(marker.sha256, /^[0-9a-f]{64}$/);
  let shallow: unknown = 'leaf';
  for (let i = 0; i < 32; i++) shallow = { d: shallow };
  assert.equal(toPendingRow({ ...base, detail: shallow as Record<string, unknown> }, 0).detail, `${'{"d":'.repeat(32)}"leaf"${'}'.repeat(32)}`);
});

test('BigInts and cycles in detail are written as strings rather than refused', () => {
  const loop: Record<string, unknown> = { n: 12n };
  loop['self'] = loop;
  assert.equal(toPendingRow({ ...base, detail: loop }, 0).detail, '{"n":"12","self":"[circular]"}');
});
