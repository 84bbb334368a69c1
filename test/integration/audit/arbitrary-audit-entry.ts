/**
 * fast-check arbitraries of audit entries as hostile as a caller can make
 * them: lone surrogates and NUL anywhere, prototype-named keys,
 * thousands-deep nesting, megabyte strings, fields of the wrong type. Shared
 * by the SQLite property test and its PostgreSQL twin in test/services.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuditEntry, AuditLog, AuditRow } from '../../../src/audit/index.js';

/** Code units no store holds as they are, and names that are also Object.prototype's. */
const NASTY = ['\ud800', '\udbff', '\udc00', '\udfff', '\u0000', '\ufffd', '\ud83d\ude00', '\u2028', '"', '\\', '__proto__', 'constructor', 'toString', 'é'];

/** One unit of a string: usually any code point, often a nasty one. */
const unit = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) }, { weight: 1, arbitrary: fc.constantFrom(...NASTY) });

/** Strings of up to 24 units, lone surrogates and NUL included. */
export const hostileString = fc.string({ unit, maxLength: 24 });

/** Ordinary values, so that most rows look like real ones. */
const plainString = fc.constantFrom('sales', 'acme', 'client-1', 'GetTask', '10.0.0.1', 'curl/8.5', 'AM_ERR_AUTH_FORBIDDEN', 'a'.repeat(64));

/** Object keys: prototype names, credential names (redacted) and hostile strings. */
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'toJSON', 'token', 'Password', 'a'), hostileString);

/** Objects with hostile keys and values, including what JSON has no form for (BigInt, Map, boxed values, holes, dates). */
const hostileObject = fc.object({
  key,
  values: [hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)],
  maxDepth: 2,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** (About one entry in 300.) Nested `depth` levels deep, built without recursion, objects or arrays alternating or not. */
const deepValue = fc.record({ depth: fc.integer({ min: 1000, max: 3000 }), arrays: fc.boolean(), leaf: hostileString }).map(({ depth, arrays, leaf }) => {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = arrays && i % 2 ? [value] : { __proto__x: i, ['__proto__']: value };
  return value;
});

/** A string of 1-3 MB that ends in a lone surrogate. */
const hugeString = fc.record({ size: fc.integer({ min: 1_000_000, max: 3_000_000 }), head: hostileString }).map(({ size, head }) => `${head}${'x'.repeat(size)}\ud800`);

/** What a caller may put where a string belongs: usually a string, sometimes not. */
const textField = fc.oneof(
  { weight: 20, arbitrary: hostileString },
  { weight: 20, arbitrary: plainString },
  { weight: 8, arbitrary: fc.constantFrom(undefined, null) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(Object.prototype.toString, Object, () => 1, Symbol('s'), 7, 1.5, true, 10n, [], {}) },
);

const number = fc.oneof(
  { weight: 10, arbitrary: fc.nat() },
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(1e300, '12', null, 2 ** 60, Number.NaN) },
);

const detail = fc.oneof(
  { weight: 100, arbitrary: fc.constant(undefined) },
  { weight: 150, arbitrary: hostileObject },
  { weight: 40, arbitrary: fc.jsonValue({ stringUnit: unit, maxDepth: 3 }) },
  { weight: 1, arbitrary: deepValue.map((deep) => ({ deep })) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>('a string', 12, [1, 2], Object.prototype.toString) },
);

/** Roughly one entry in 2,000 carries a megabyte string, in `detail` or in a text column. */
const withHuge = fc.oneof({ weight: 2000, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hugeString });

/** An entry as the gateway (or a buggy caller) may append it. */
export const hostileEntry: fc.Arbitrary<AuditEntry> = fc
  .record(
    {
      time: fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        { weight: 5, arbitrary: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()) },
        { weight: 1, arbitrary: textField },
      ),
      eventType: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('a2a.call', 'auth.denied', 'scope.denied', 'credits.settled') }, { weight: 1, arbitrary: textField }),
      actor: fc.oneof({ weight: 10, arbitrary: fc.record({ kind: fc.constantFrom('client', 'api-key', 'external', 'agent', 'anonymous'), id: textField }) }, { weight: 1, arbitrary: fc.anything() }),
      targetAgent: textField,
      taskId: textField,
      skill: textField,
      tenant: textField,
      user: textField,
      ip: textField,
      userAgent: textField,
      method: fc.oneof(fc.constantFrom('GetTask', 'SendMessage', 'toString', '__proto__', 'constructor', 'hasOwnProperty'), textField),
      inputHash: textField,
      outputHash: textField,
      durationMs: number,
      milliCredits: number,
      errorCode: textField,
      outcome: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('ok', 'denied', 'error') }, { weight: 1, arbitrary: textField }),
      detail,
      huge: withHuge,
    },
    { requiredKeys: [] },
  )
  .map(({ huge, ...entry }) => {
    const out = entry as Record<string, unknown>;
    if (huge !== undefined) {
      if (huge.length % 2) out['userAgent'] = huge;
      else out['detail'] = { blob: huge };
    }
    return out as unknown as AuditEntry;
  });

/** Entries, and now and then something that is not an entry at all. */
export const anyEntry: fc.Arbitrary<AuditEntry> = fc.oneof({ weight: 200, arbitrary: hostileEntry }, { weight: 1, arbitrary: fc.anything() as fc.Arbitrary<AuditEntry> });

/** Every string in a row read back (keys included) is well-formed and free of NUL: what a SIEM receives. */
export function storableStrings(rows: readonly AuditRow[]): boolean {
  const stack: unknown[] = [...rows];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed() || value.includes('\u0000')) return false;
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push(k, v);
    }
  }
  return true;
}

/** Appends `entries` as one batch and checks the rows it added: one each, a sound chain, storable strings. */
export async function appendAndVerify(audit: AuditLog, entries: readonly AuditEntry[]): Promise<void> {
  const before = (await audit.tail({ limit: 1 }))[0]?.seq ?? 0;
  for (const entry of entries) audit.append(entry);
  await audit.flush();
  const result = await audit.verify({ from: before + 1 });
  assert.deepEqual(result.problems, []);
  assert.deepEqual({ ok: result.ok, checked: result.checked, tip: result.tip?.seq }, { ok: true, checked: entries.length, tip: before + entries.length });
  const rows = await audit.tail({ since: before, limit: entries.length });
  assert.equal(rows.length, entries.length);
  assert.ok(storableStrings(rows), 'every string read back is well-formed and free of NUL');
}
