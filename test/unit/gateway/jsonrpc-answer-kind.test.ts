import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonRpcAnswerKind } from '../../../src/gateway/jsonrpc-answer-kind.js';

/** JSON whitespace, as a server may put it between tokens. */
const ws = fc.array(fc.constantFrom(' ', '\n', '\r', '\t'), { maxLength: 3 }).map((a) => a.join(''));

/** Any JSON value: strings of any code unit (quotes, backslashes, `"result":` and `"error":` inside), keys named result and error at any depth. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.constantFrom('result', 'error', '"result":', '{"error":1}', '\\"error\\":'),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('result', 'error', 'jsonrpc', 'id')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A JSON value written with arbitrary whitespace between its tokens. */
function write(value: unknown, pad: () => string): string {
  if (Array.isArray(value)) return `[${pad()}${value.map((v) => write(v, pad)).join(`${pad()},${pad()}`)}${pad()}]`;
  if (value !== null && typeof value === 'object') {
    return `{${pad()}${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}${pad()}:${pad()}${write(v, pad)}`)
      .join(`${pad()},${pad()}`)}${pad()}}`;
  }
  return JSON.stringify(value);
}

/** A JSON-RPC response: `jsonrpc`, `id` (string, number or null) and one of `result` (any payload) or `error`, in any order, with any whitespace. */
const response = fc
  .record({
    id: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('result', 'error', '"error":'), fc.integer(), fc.constant(null)),
    member: fc.constantFrom('result', 'error'),
    payload: json,
    error: fc.record({ code: fc.integer({ min: -32768, max: -32000 }), message: fc.string({ unit: 'binary' }), data: fc.option(json, { nil: undefined }) }, { requiredKeys: ['code', 'message'] }),
    order: fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]),
    pads: fc.array(ws, { minLength: 1, maxLength: 16 }),
  })
  .map(({ id, member, payload, error, order, pads }) => {
    const members: Array<[string, unknown]> = [['jsonrpc', '2.0'], ['id', id], member === 'result' ? ['result', payload] : ['error', error]];
    let n = 0;
    const pad = (): string => pads[n++ % pads.length]!;
    const body = order.map((i) => members[i]!).map(([k, v]) => `${pad()}${JSON.stringify(k)}${pad()}:${pad()}${write(v, pad)}`);
    return `${pad()}{${body.join(',')}${pad()}}${pad()}`;
  });

/** What JSON.parse says the response carries. */
function parsedKind(text: string): string | undefined {
  const answer = JSON.parse(text) as Record<string, unknown>;
  return Object.hasOwn(answer, 'result') ? 'result' : Object.hasOwn(answer, 'error') ? 'error' : undefined;
}

test('agrees with JSON.parse on any JSON-RPC response: any result payload, key order and whitespace', () => {
  fc.assert(
    fc.property(response, (text) => {
      assert.equal(jsonRpcAnswerKind(Buffer.from(text)), parsedKind(text));
    }),
    { numRuns: 5_000 },
  );
});

test('any cut of a response says the same or nothing, never the other member', () => {
  fc.assert(
    fc.property(response, fc.double({ min: 0, max: 1, noNaN: true }), (text, at) => {
      const bytes = Buffer.from(text);
      const kind = jsonRpcAnswerKind(bytes, 0, Math.floor(bytes.length * at));
      assert.ok(kind === undefined || kind === parsedKind(text), `${kind} for a cut of ${text}`);
    }),
    { numRuns: 2_000 },
  );
});

test('reads a key written with escapes as JSON.parse does', () => {
  assert.equal(jsonRpcAnswerKind(Buffer.from('{"id":1,"r\\u0065sult":{"x":1},"jsonrpc":"2.0"}')), 'result');
  assert.equal(jsonRpcAnswerKind(Buffer.from('{"id":"\\"error\\":","\\u0065rror":{"code":-32001}}')), 'error');
});

test('a peer that breaks the spec with an object for its id is not misread by the keys inside it', () => {
  assert.equal(jsonRpcAnswerKind(Buffer.from('{"id":{"error":{"code":1}},"result":{}}')), 'result');
});

test('says nothing of what is no JSON-RPC response', () => {
  for (const text of ['', '[]', '"result"', '{}', '{"jsonrpc":"2.0","id":1}', '{"task":{"id":"t"}}', 'data: x']) assert.equal(jsonRpcAnswerKind(Buffer.from(text)), undefined, text);
});

test('stops at the member: a conforming answer is read to its first few dozen bytes, whatever follows', () => {
  const text = `{"jsonrpc":"2.0","id":1,"result":${'x'.repeat(10)}`;
  assert.equal(jsonRpcAnswerKind(Buffer.from(text)), 'result', 'the bytes after the key are never read (here, no JSON at all)');
});
