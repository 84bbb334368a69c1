/** The TXT record an owner publishes (src/registry/ownership/txt-record.ts): its tag list, as properties. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatTagList, ownershipTxtValue, parseTagList, readOwnershipTxt } from '../../../src/registry/ownership/txt-record.js';

const SEED = 20260723;
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/);
// Printable ASCII without `;`, not starting or ending with white space (white space around a value is not part of it).
const value = fc.stringMatching(/^[\x21-\x3A\x3C-\x7E](?:[\x20-\x3A\x3C-\x7E]{0,30}[\x21-\x3A\x3C-\x7E])?$/);
const tags = fc.uniqueArray(fc.tuple(name, value), { minLength: 1, maxLength: 6, selector: ([n]) => n });
const space = fc.stringMatching(/^[ \t]{0,3}$/);
const token = fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/);

test('parsing never throws, whatever the text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      const parsed = parseTagList(text);
      assert.equal(typeof parsed.ok, 'boolean');
      assert.ok(['proof', 'other', 'invalid'].includes(readOwnershipTxt(text).kind));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('a tag list reads back as written, white space around its parts and one final ";" aside', () => {
  fc.assert(
    fc.property(tags, fc.array(space, { minLength: 30, maxLength: 30 }), fc.boolean(), (list, pads, trailing) => {
      const pad = (i: number) => pads[i % pads.length]!;
      const text = list.map(([n, v], i) => `${pad(4 * i)}${n}${pad(4 * i + 1)}=${pad(4 * i + 2)}${v}${pad(4 * i + 3)}`).join(';') + (trailing ? ';' : '');
      const parsed = parseTagList(text);
      assert.ok(parsed.ok, text);
      assert.deepEqual([...parsed.tags], list);
      const again = parseTagList(formatTagList(list));
      assert.ok(again.ok);
      assert.deepEqual([...again.tags], list);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

test('a tag given twice, an empty value or a part without "=" makes the list invalid', () => {
  fc.assert(
    fc.property(tags, fc.nat(), value, (list, at, other) => {
      const [n] = list[at % list.length]!;
      assert.equal(parseTagList(formatTagList([...list, [n, other]])).ok, false);
    }),
    { seed: SEED, numRuns: 500 },
  );
  assert.deepEqual(parseTagList('v=agentmesh1; v=agentmesh1'), { ok: false, reason: 'tag "v" appears twice' });
  assert.equal(parseTagList('v=agentmesh1; token=').ok, false);
  assert.equal(parseTagList('v=agentmesh1;; token=x').ok, false);
  assert.equal(parseTagList('v=agentmesh1; token').ok, false);
  assert.equal(parseTagList('v=agentmesh1; 9x=1').ok, false);
  assert.equal(parseTagList('v=agentmesh1; token=caf\u00e9').ok, false);
});

test('the record an owner is told to publish proves its token and agent; other tags are ignored', () => {
  fc.assert(
    fc.property(token, fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.uniqueArray(fc.tuple(name.filter((n) => !['v', 'token', 'agent'].includes(n)), value), { maxLength: 3, selector: ([n]) => n }), (t, agent, extra) => {
      assert.deepEqual(readOwnershipTxt(ownershipTxtValue(agent, t)), { kind: 'proof', token: t, agent });
      assert.deepEqual(readOwnershipTxt(formatTagList([['v', 'agentmesh1'], ...extra, ['token', t]])), { kind: 'proof', token: t });
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test("someone else's TXT records are passed over; ours, broken, say why", () => {
  assert.deepEqual(readOwnershipTxt('v=spf1 include:_spf.example.com -all'), { kind: 'other' });
  assert.deepEqual(readOwnershipTxt('google-site-verification=abc'), { kind: 'other' });
  assert.deepEqual(readOwnershipTxt('token=AAAAAAAAAAAAAAAAAAAAAA; v=agentmesh1'), { kind: 'other' }, 'the version comes first');
  assert.deepEqual(readOwnershipTxt('v=agentmesh2; token=AAAAAAAAAAAAAAAAAAAAAA'), { kind: 'other' });
  assert.deepEqual(readOwnershipTxt('v=agentmesh1'), { kind: 'invalid', reason: 'it has no token tag' });
  assert.deepEqual(readOwnershipTxt('v=agentmesh1; token=short'), { kind: 'invalid', reason: 'its token is not 16-128 characters of base64url' });
  assert.equal(readOwnershipTxt('v=agentmesh1; token=a;b=').kind, 'invalid');
});
