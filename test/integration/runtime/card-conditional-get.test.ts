/**
 * The agent card carries Last-Modified beside its ETag and answers a
 * conditional GET with 304 (A2A §8.6; RFC 9110 §13.1), in both card shapes
 * (docs/conformance.md, "The card answers conditional GETs").
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('agent card: Last-Modified and conditional GETs', () => {
  const env = startedForSuite(() => startRuntime());

  const card = (headers: Record<string, string>) => fetch(`${env().url}/.well-known/agent-card.json`, { headers });

  for (const [shape, version] of [['1.0', { 'a2a-version': '1.0' }], ['0.3', { 'a2a-version': '0.3' }], ['1.0 (no A2A-Version)', {}]] as const) {
    test(`${shape}: Last-Modified is an HTTP date; If-Modified-Since at or after it is 304 without a body`, async () => {
      const first = await card(version);
      assert.equal(first.status, 200);
      await first.json();
      const modified = first.headers.get('last-modified');
      assert.ok(modified !== null && Number.isFinite(Date.parse(modified)), `Last-Modified: ${modified}`);
      assert.ok(Date.parse(modified) <= Date.now());
      assert.match(modified, /GMT$/);

      const same = await card({ ...version, 'if-modified-since': modified });
      assert.equal(same.status, 304);
      assert.equal(await same.text(), '');
      assert.equal(same.headers.get('last-modified'), modified);

      const earlier = await card({ ...version, 'if-modified-since': new Date(Date.parse(modified) - 1000).toUTCString() });
      assert.equal(earlier.status, 200);
      await earlier.json();
      const unreadable = await card({ ...version, 'if-modified-since': 'not a date' });
      assert.equal(unreadable.status, 200);
      await unreadable.json();
    });
  }

  test('If-None-Match wins over If-Modified-Since; a matching or weak tag is 304', async () => {
    const first = await card({ 'a2a-version': '1.0' });
    await first.json();
    const etag = first.headers.get('etag')!;
    const modified = first.headers.get('last-modified')!;
    const stale = await card({ 'a2a-version': '1.0', 'if-none-match': '"stale"', 'if-modified-since': modified });
    assert.equal(stale.status, 200, 'the tag does not match: the date is not consulted (RFC 9110 §13.2.2)');
    await stale.json();
    for (const tag of [etag, `W/${etag}`, `"x", ${etag}`]) {
      const res = await card({ 'a2a-version': '1.0', 'if-none-match': tag });
      assert.equal(res.status, 304, tag);
      assert.equal(res.headers.get('etag'), etag);
    }
  });
});
