import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExchangeAbort } from '../../../src/gateway/routing/upstream-exchange.js';
import { Http1Upstream } from '../../../src/gateway/routing/upstream-http1.js';

test('requests refused before any connection opened leave no origin behind, however many origins they name', async () => {
  const client = Http1Upstream.create();
  assert.ok(client instanceof Http1Upstream, String(client));
  try {
    for (let port = 40_000; port < 40_050; port++) {
      const request = { origin: `http://127.0.0.1:${port}`, path: '/', method: 'POST' as const, headers: { 'x-bad': 'a\r\nx-smuggled: 1' }, body: '{}' };
      await assert.rejects(client.exchange(request, new ExchangeAbort()), { code: 'UND_ERR_INVALID_ARG' });
    }
    assert.equal(client.originCount, 0);
  } finally {
    await client.destroy();
  }
});
