import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isProtoJsonBase64 } from '../../../src/protocol/params-validation.js';

// ProtoJSON bytes (A2A §5.5): what a conforming encoder can emit is accepted, and nothing else.
describe('isProtoJsonBase64', () => {
  test('every encoding of any bytes is accepted: standard and URL-safe, padded or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const standard = Buffer.from(bytes).toString('base64');
        for (const form of [standard, standard.replace(/=+$/, ''), Buffer.from(bytes).toString('base64url'), standard.replace(/\+/g, '-').replace(/\//g, '_')]) {
          assert.ok(isProtoJsonBase64(form), form);
        }
      }),
    );
  });

  test('a character outside both alphabets is refused wherever it stands', () => {
    const outside = fc.constantFrom(...' !"#$%&\'()*,.:;<>?@[\\]^`{|}~\n\u00e9\u{1F600}'.split(''));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), outside, fc.nat(), (bytes, bad, at) => {
        const encoded = Buffer.from(bytes).toString('base64').replace(/=+$/, '');
        const i = at % (encoded.length + 1);
        assert.equal(isProtoJsonBase64(encoded.slice(0, i) + bad + encoded.slice(i)), false);
      }),
    );
  });

  test('padding only at the end and only to a multiple of four; a lone trailing sextet is no byte', () => {
    for (const s of ['YQ==YQ==', 'YQ=', 'Y===', 'a', 'abcde', '=']) assert.equal(isProtoJsonBase64(s), false, s);
    for (const s of ['', 'YQ==', 'YQ', 'YWI=', 'YWI', 'YWJj']) assert.equal(isProtoJsonBase64(s), true, s);
  });
});
