import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFailure, isRefusal, mayRetryRead } from '../../../src/gateway/routing/attempt-failure.js';
import { setClientResponseHeaders, upstreamRequestHeaders } from '../../../src/gateway/routing/forward-headers.js';
import { createUpstreamRouter } from '../../../src/gateway/routing/upstream-router.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';

test('the upstream request keeps the client headers but not its credentials nor hop-by-hop ones', () => {
  const headers = upstreamRequestHeaders(
    {
      host: 'gateway.example.com',
      authorization: 'Bearer the-clients-token',
      'x-api-key': 'amk_secret',
      cookie: 'session=1',
      connection: 'keep-alive, x-hop',
      'x-hop': 'per-connection',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'content-length': '42',
      'content-type': 'application/json',
      'a2a-version': '1.0',
      'last-event-id': '7',
      'x-forwarded-for': '203.0.113.9',
      'x-custom': ['one', 'two'],
    },
    { ip: '198.51.100.4', protocol: 'https', host: 'gateway.example.com' },
    { 'X-Agentmesh-Assertion': 'signed', traceparent: '00-abc-def-01' },
  );
  assert.deepEqual(headers, {
    'content-type': 'application/json',
    'a2a-version': '1.0',
    'last-event-id': '7',
    'x-forwarded-for': '203.0.113.9, 198.51.100.4',
    'x-custom': 'one, two',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'gateway.example.com',
    'x-agentmesh-assertion': 'signed',
    traceparent: '00-abc-def-01',
  });
});

test('the gateway may set an authorization header of its own for the agent', () => {
  const headers = upstreamRequestHeaders({ authorization: 'Bearer client' }, { ip: '::1', protocol: 'http', host: undefined }, { authorization: 'Bearer downstream' });
  assert.equal(headers.authorization, 'Bearer downstream');
});

test('the answer keeps the instance headers but not hop-by-hop ones nor its request id', () => {
  const set: Record<string, string | string[]> = {};
  setClientResponseHeaders({ 'content-type': 'text/event-stream', connection: 'keep-alive', 'keep-alive': 'timeout=72', 'transfer-encoding': 'chunked', 'x-request-id': 'upstream-1', 'cache-control': 'no-cache', 'set-cookie': ['a=1', 'b=2'] }, { header: (name, value) => (set[name] = value) });
  assert.deepEqual(set, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'set-cookie': ['a=1', 'b=2'],
  });
});

test('only failures while connecting count as not sent', () => {
  assert.deepEqual(classifyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), { kind: 'connect_error', notSent: true, reason: 'ECONNREFUSED' });
  const happyEyeballs = Object.assign(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]), { code: 'ECONNREFUSED' });
  assert.equal(classifyFailure(happyEyeballs).notSent, true);
  assert.deepEqual(classifyFailure(Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), { kind: 'timeout', notSent: true, reason: 'UND_ERR_CONNECT_TIMEOUT' });
  assert.deepEqual(classifyFailure(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), { kind: 'timeout', notSent: false, reason: 'UND_ERR_HEADERS_TIMEOUT' });
  assert.deepEqual(classifyFailure(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })), { kind: 'network_error', notSent: false, reason: 'UND_ERR_SOCKET' });
  assert.equal(classifyFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).notSent, false);
  assert.equal(classifyFailure(new Error('odd')).reason, 'odd');
});

test('a 503 is a refusal before any work only when it closes the connection or names the drain', () => {
  assert.equal(isRefusal(503, { connection: 'close' }, undefined), true);
  assert.equal(isRefusal(503, {}, Buffer.from('{"error":{"details":[{"metadata":{"code":"AM_ERR_HTTP_UNAVAILABLE"}}]}}')), true);
  assert.equal(isRefusal(503, {}, Buffer.from('{"error":{"details":[{"reason":"AM_ERR_TASK_QUEUE_FULL"}]}}')), false);
  assert.equal(isRefusal(500, { connection: 'close' }, undefined), false);
  assert.deepEqual([500, 501, 502, 503, 504].map(mayRetryRead), [false, false, true, true, true]);
});

test('options are checked where they enter, and the message names the option', () => {
  const base = { registryUrl: 'http://localhost:4100', logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) };
  assert.throws(() => createUpstreamRouter({ ...base, breaker: { failures: 0, openMs: 100 } }), { code: 'AM_ERR_CONFIG_INVALID', message: '"breaker.failures" option must be a positive integer, got 0' });
  assert.throws(() => createUpstreamRouter({ ...base, connectTimeoutMs: 1.5 }), { message: '"connectTimeoutMs" option must be a positive integer, got 1.5' });
  assert.throws(() => createUpstreamRouter({ ...base, registryUrl: 'registry:4100' }), { message: '"registryUrl" option must use http or https, got registry:' });
  assert.throws(() => createUpstreamRouter({ ...base, registryUrl: 'not a url' }), { message: '"registryUrl" option must be an absolute http(s) URL, got "not a url"' });
});
