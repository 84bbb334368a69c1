import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LastModifiedClock, isNotModified } from '../../../src/http/server/conditional-get.js';

const ETAG = '"abc"';
const MODIFIED = 'Wed, 25 Nov 2026 10:00:00 GMT';

test('If-None-Match decides when sent: a listed tag, a weak one, or *; If-Modified-Since is then ignored', () => {
  assert.equal(isNotModified({ 'if-none-match': '"x", W/"abc"' }, ETAG, MODIFIED), true);
  assert.equal(isNotModified({ 'if-none-match': '*' }, ETAG, MODIFIED), true);
  assert.equal(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': MODIFIED }, ETAG, MODIFIED), false);
});

test('If-Modified-Since: 304 for a date at or after Last-Modified; an earlier or unreadable date gets the document', () => {
  assert.equal(isNotModified({ 'if-modified-since': MODIFIED }, ETAG, MODIFIED), true);
  assert.equal(isNotModified({ 'if-modified-since': 'Wed, 25 Nov 2026 10:00:01 GMT' }, ETAG, MODIFIED), true);
  assert.equal(isNotModified({ 'if-modified-since': 'Wed, 25 Nov 2026 09:59:59 GMT' }, ETAG, MODIFIED), false);
  assert.equal(isNotModified({ 'if-modified-since': 'yesterday' }, ETAG, MODIFIED), false);
  assert.equal(isNotModified({}, ETAG, MODIFIED), false);
});

test('LastModifiedClock keeps the date while the ETag stays, and moves it when the ETag changes', () => {
  const clock = { now: Date.parse(MODIFIED) + 400 };
  const modified = new LastModifiedClock({ now: () => clock.now });
  assert.equal(modified.of('card', ETAG), MODIFIED, 'whole seconds');
  clock.now += 60_000;
  assert.equal(modified.of('card', ETAG), MODIFIED, 'rebuilt identically');
  assert.equal(modified.of('card', '"new"'), 'Wed, 25 Nov 2026 10:01:00 GMT');
  assert.equal(modified.of('other', ETAG), 'Wed, 25 Nov 2026 10:01:00 GMT', 'each key its own');
});
