import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRegistryConfig } from '../../../src/registry/config.js';
import { parseRuntimeConfig } from '../../../src/runtime/config.js';

test('client certificates asked for without a CA to check them against are refused, naming the path', () => {
  assert.throws(() => parseRuntimeConfig({ tls: { certFile: '/a', keyFile: '/b', clientAuth: 'require' } }), /^AgentmeshError: runtime\.tls\.caFile needs caFile \(TLS_CA_FILE\)/);
  assert.throws(() => parseRegistryConfig({ tls: { certFile: '/a', keyFile: '/b', clientAuth: 'request' } }), /registry\.tls\.caFile needs caFile/);
});

test('clientAuth defaults to off, and a client certificate needs its key', () => {
  assert.equal(parseRuntimeConfig({ tls: { certFile: '/a', keyFile: '/b' } }).tls?.clientAuth, 'off');
  assert.throws(() => parseRuntimeConfig({ clientTls: { certFile: '/a' } }), /runtime\.clientTls\.certFile needs both certFile and keyFile/);
  assert.throws(() => parseRuntimeConfig({ tls: { certFile: '/a', keyFile: '/b', clientAuth: 'always' as 'off' } }), /runtime\.tls\.clientAuth/);
  assert.throws(() => parseRuntimeConfig({ tls: { certFile: '/a', keyFile: '/b', certificate: '/c' } as never }), /runtime\.tls/);
});
