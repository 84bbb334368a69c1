import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExchangedTokens } from '../../../../src/orchestrator/calls/exchanged-tokens.js';
import { CallFailure } from '../../../../src/orchestrator/calls/call-failure.js';

/** A token endpoint that exchanges each subject token for `x<n>` (ttl 100 s), or refuses one named `revoked` with invalid_grant. */
async function exchangeEndpoint() {
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push(form);
      if (form.get('subject_token') === 'revoked') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: 'the subject token has been revoked' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `x${requests.length}`, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 100 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('one exchange per subject token serves its concurrent calls; it is an RFC 8693 request as client_secret_basic', async (t) => {
  const endpoint = await exchangeEndpoint();
  t.after(endpoint.close);
  const tokens = new ExchangedTokens({ tokenUrl: endpoint.url, clientId: 'amc_orch', clientSecret: 'secret', fetch, requestTimeoutMs: 5000 });
  const got = await Promise.all([tokens.get('assertion-a'), tokens.get('assertion-a'), tokens.get('assertion-b')]);
  assert.deepEqual(got.slice(0, 2), ['x1', 'x1']);
  assert.equal(endpoint.requests.length, 2, 'one per subject token');
  const first = endpoint.requests[0]!;
  assert.equal(first.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
  assert.equal(first.get('subject_token'), 'assertion-a');
  assert.equal(first.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:jwt');
  assert.equal(tokens.size, 2);
});

test('a token is reused until 5 s before it expires, then exchanged again; a refused one is forgotten', async (t) => {
  const endpoint = await exchangeEndpoint();
  t.after(endpoint.close);
  let now = 1_000_000;
  const tokens = new ExchangedTokens({ tokenUrl: endpoint.url, clientId: 'amc_orch', clientSecret: 'secret', fetch, requestTimeoutMs: 5000, now: () => now });
  assert.equal(await tokens.get('a'), 'x1');
  now += 94_000;
  assert.equal(await tokens.get('a'), 'x1');
  now += 2_000;
  assert.equal(await tokens.get('a'), 'x2', 'within 5 s of its end: exchanged again');
  tokens.invalidate('x2');
  assert.equal(await tokens.get('a'), 'x3', 'the gateway refused it (401): exchanged again');
});

test('an exchange the gateway refuses is a final failure naming the OAuth error', async (t) => {
  const endpoint = await exchangeEndpoint();
  t.after(endpoint.close);
  const tokens = new ExchangedTokens({ tokenUrl: endpoint.url, clientId: 'amc_orch', clientSecret: 'secret', fetch, requestTimeoutMs: 5000 });
  await assert.rejects(tokens.get('revoked'), (err: unknown) => err instanceof CallFailure && !err.transient && /invalid_grant: the subject token has been revoked/.test(err.message));
  assert.equal(tokens.size, 0);
});

test('it holds at most maxEntries subject tokens, the oldest going first', async (t) => {
  const endpoint = await exchangeEndpoint();
  t.after(endpoint.close);
  const tokens = new ExchangedTokens({ tokenUrl: endpoint.url, clientId: 'amc_orch', clientSecret: 'secret', fetch, requestTimeoutMs: 5000, maxEntries: 2 });
  for (const s of ['a', 'b', 'c']) await tokens.get(s);
  assert.equal(tokens.size, 2);
  assert.equal(await tokens.get('b'), 'x2', 'b is still held');
  assert.equal(await tokens.get('a'), 'x4', 'a was dropped, so it is exchanged again');
});
