import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { forwardedQuery } from '../../../src/gateway/proxy/forwarded-query.js';

test('the caller’s access_token never reaches an agent; the rest of the query does, as sent', () => {
  assert.equal(forwardedQuery('?access_token=abc'), undefined);
  assert.equal(forwardedQuery('?pageSize=2&access_token=abc&pageToken=t1'), '?pageSize=2&pageToken=t1');
  assert.equal(forwardedQuery('?historyLength=3'), '?historyLength=3');
  assert.equal(forwardedQuery('?'), undefined);
  assert.equal(forwardedQuery('?q=\u00e9'), '?q=%C3%A9');
});

test('property: what is forwarded is printable ASCII and never carries access_token', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('access_token', 'pageSize', 'pageToken', 'x'), fc.string({ unit: 'binary', maxLength: 12 }))), (pairs) => {
      const out = forwardedQuery(`?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`);
      if (out === undefined) return;
      assert.match(out, /^[\x21-\x7e]*$/);
      assert.ok(!out.slice(1).split('&').some((p) => p.split('=', 1)[0] === 'access_token'));
    }),
  );
});
