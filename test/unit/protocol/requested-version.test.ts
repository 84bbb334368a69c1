import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'fast-querystring';
import { requestedVersion } from '../../../src/protocol/versions.js';

// The runtime reads a request's version from Fastify's parsed query (fast-querystring), the gateway from the raw
// query string: both must name the same version for every query, or a call the runtime serves is refused at the door.

test('the header wins; the query parameter stands in for it; empty or repeated names none', () => {
  assert.equal(requestedVersion('1.0', '?A2A-Version=0.3'), '1.0');
  assert.equal(requestedVersion(undefined, '?A2A-Version=1.0'), '1.0');
  assert.equal(requestedVersion(undefined, '?a2a-version=1.0'), '1.0');
  assert.equal(requestedVersion('', '?A2A-Version=1.0'), '1.0');
  assert.equal(requestedVersion(['1.0', '0.3'], '?A2A-Version=1.0'), '1.0');
  assert.equal(requestedVersion(['1.0', '0.3'], undefined), undefined);
  assert.equal(requestedVersion(undefined, '?A2A-Version=1.0&A2A-Version=0.3'), undefined);
  assert.equal(requestedVersion(undefined, '?A2A-Version='), undefined);
  assert.equal(requestedVersion(undefined, '?historyLength=2'), undefined);
  assert.equal(requestedVersion(undefined, { 'A2A-Version': '1.0' }), '1.0');
  assert.equal(requestedVersion(undefined, { 'A2A-Version': ['1.0', '1.0'] }), undefined);
});

test('the raw query string and the parsed query name the same version (property)', () => {
  const key = fc.constantFrom('A2A-Version', 'a2a-version', 'A2A%2DVersion', '%41%32%41-Version', 'other', 'historyLength', 'a2a-versio');
  const value = fc.oneof(fc.constantFrom('1.0', '0.3', '', ' ', '1', '9.9', '1.0%20', '1.0+', '%zz', '%E0%A4', '1%2E0'), fc.string({ maxLength: 6 }).map(encodeURIComponent));
  const pair = fc.tuple(key, value).map(([k, v]) => `${k}=${v}`);
  fc.assert(
    fc.property(fc.array(pair, { maxLength: 5 }), fc.option(fc.constantFrom('1.0', '0.3', ''), { nil: undefined }), (pairs, header) => {
      const raw = `?${pairs.join('&')}`;
      assert.equal(requestedVersion(header, raw), requestedVersion(header, parse(raw.slice(1))), raw);
    }),
    { numRuns: 500 },
  );
});
