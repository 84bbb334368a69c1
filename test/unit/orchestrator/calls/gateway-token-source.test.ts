import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayTokenSource } from '../../../../src/orchestrator/calls/gateway-token-source.js';

/** A token endpoint on 127.0.0.1 that issues t1, t2, … (ttl 100 s) and records what it was sent; `answer` overrides. */
async function tokenEndpoint(answer?: (req: IncomingMessage, res: ServerResponse) => boolean) {
  const requests: Array<{ authorization: string | undefined; body: string }> = [];
  let release: (() => void) | undefined;
  let hold = false;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization, body });
      if (answer?.(req, res)) return;
      const send = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `t${requests.length}`, token_type: 'Bearer', expires_in: 100 }));
      if (hold) release = send;
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
    requests,
    holdNext: () => (hold = true),
    release: () => { hold = false; release?.(); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('one token request serves concurrent callers; the credentials go as client_secret_basic, form-encoded', async (t) => {
  const endpoint = await tokenEndpoint();
  t.after(endpoint.close);
  const source = new GatewayTokenSource({ tokenUrl: endpoint.url, clientId: 'amc id', clientSecret: 's:ecret', scope: 'a2a:message:send gateway:delegate', fetch, requestTimeoutMs: 5000 });
  endpoint.holdNext();
  const waiting = Promise.all(Array.from({ length: 10 }, () => source.get()));
  while (endpoint.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
  endpoint.release();
  assert.deepEqual(new Set(await waiting), new Set(['t1']));
  assert.equal(endpoint.requests.length, 1);
  assert.equal(endpoint.requests[0]!.authorization, `Basic ${Buffer.from('amc+id:s%3Aecret').toString('base64')}`);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(endpoint.requests[0]!.body)), { grant_type: 'client_credentials', scope: 'a2a:message:send gateway:delegate' });
});

test('the token is reused, renewed in the background after three quarters of its life, and replaced at expiry', async (t) => {
  const endpoint = await tokenEndpoint();
  t.after(endpoint.close);
  let now = 1_000_000;
  const source = new GatewayTokenSource({ tokenUrl: endpoint.url, clientId: 'c', clientSecret: 's', fetch, requestTimeoutMs: 5000, now: () => now });
  assert.equal(await source.get(), 't1');
  now += 70_000;
  assert.equal(await source.get(), 't1', 'still fresh enough: no request');
  assert.equal(endpoint.requests.length, 1);
  now += 10_000;
  assert.equal(await source.get(), 't1', 'past 75 %: the current token is handed out while a new one is fetched');
  while (endpoint.requests.length < 2) await new Promise((resolve) => setImmediate(resolve));
  let next = await source.get();
  while (next === 't1') next = await new Promise<string>((resolve) => setImmediate(() => resolve(source.get())));
  assert.equal(next, 't2');
  now += 200_000;
  assert.equal(await source.get(), 't3', 'an expired token is never handed out');
});

test('a refused token is dropped, and only that one', async (t) => {
  const endpoint = await tokenEndpoint();
  t.after(endpoint.close);
  const source = new GatewayTokenSource({ tokenUrl: endpoint.url, clientId: 'c', clientSecret: 's', fetch, requestTimeoutMs: 5000 });
  assert.equal(await source.get(), 't1');
  source.invalidate('t0');
  assert.equal(await source.get(), 't1');
  source.invalidate('t1');
  assert.equal(await source.get(), 't2');
});

test('bad credentials are a final failure naming the OAuth error; a 503 is transient', async (t) => {
  let status = 401;
  const endpoint = await tokenEndpoint((_req, res) => {
    if (status === 401) res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'unknown client' }));
    else res.writeHead(503, { 'retry-after': '2' }).end();
    return true;
  });
  t.after(endpoint.close);
  const source = new GatewayTokenSource({ tokenUrl: endpoint.url, clientId: 'c', clientSecret: 's', fetch, requestTimeoutMs: 5000 });
  await assert.rejects(source.get(), (err: any) => err.transient === false && /invalid_client: unknown client/.test(err.message));
  status = 503;
  await assert.rejects(source.get(), (err: any) => err.transient === true && err.retryAfterMs === 2000);
});
