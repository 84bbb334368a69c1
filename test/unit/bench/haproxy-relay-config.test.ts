/**
 * The HAProxy configs the benches generate: the JWT anchor's (one runtime
 * behind it in the gateway bench, a fleet's runtimes in the scale bench's
 * `haproxy-jwt-2` row) and the SPOE fronts', which share its backend.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyConfig, runtimeBackend } from '../../../bench/gateway/haproxy-relay.js';
import { haproxySpoeConfig } from '../../../bench/gateway/spoe/haproxy-spoe-config.js';

const serverLines = (config: string) => config.split('\n').filter((line) => line.trim().startsWith('server '));

describe('the HAProxy JWT anchor config', () => {
  const base = { port: 8400, keyFile: '/tmp/key.pem', scope: 'a2a:message:send', requestsPerMinute: 10_000_000 };

  test('with a fleet: one server per runtime, balanced in turn over kept-alive, shared connections', () => {
    const config = haproxyConfig({ ...base, upstream: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] });
    assert.deepEqual(serverLines(config), ['  server runtime0 127.0.0.1:9001', '  server runtime1 127.0.0.1:9002']);
    const backend = config.slice(config.indexOf('backend runtime'));
    assert.match(backend, /^ {2}balance roundrobin$/m);
    assert.match(backend, /^ {2}http-reuse always$/m);
    assert.match(config, /^ {2}default_backend runtime$/m);
  });

  test('the token checks, the rate limit and the dropped header are the same whatever the number of runtimes', () => {
    const one = haproxyConfig({ ...base, upstream: 'http://127.0.0.1:9001' });
    const two = haproxyConfig({ ...base, upstream: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] });
    const front = (config: string) => config.slice(config.indexOf('frontend bench'), config.indexOf('backend runtime'));
    assert.equal(front(one), front(two));
    assert.match(front(two), /jwt_verify\(txn\.alg,"\/tmp\/key\.pem"\)/);
    assert.match(front(two), /deny deny_status 403 unless \{ var\(txn\.scope\) -m sub a2a:message:send \}/);
    assert.match(front(two), /deny deny_status 429 if \{ sc_http_req_rate\(0\) gt 10000000 \}/);
    assert.match(front(two), /^ {2}http-request del-header authorization$/m);
    assert.deepEqual(serverLines(one), ['  server runtime0 127.0.0.1:9001']);
  });

  test('no runtime to relay to is refused by name', () => {
    assert.throws(() => runtimeBackend([]), /at least one runtime/);
  });

  test("the SPOE fronts relay the agents' calls through the same backend", () => {
    const upstream = ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'];
    const { haproxyCfg } = haproxySpoeConfig({ port: 8401, upstream, gateway: 'http://127.0.0.1:9100', agentPort: 9200, spoeFile: '/tmp/spoe.cfg', mapFile: '/tmp/v.map', mode: 'per-call' });
    assert.ok(haproxyCfg.includes(runtimeBackend(upstream)));
    assert.deepEqual(serverLines(haproxyCfg), ['  server runtime0 127.0.0.1:9001', '  server runtime1 127.0.0.1:9002', '  server gateway 127.0.0.1:9100', '  server agent 127.0.0.1:9200']);
  });
});
