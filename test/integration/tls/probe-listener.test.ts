import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onDrain } from '../../../src/http/index.js';
import { httpsCall } from '../../helpers/https-client.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { createTestPki } from '../../helpers/test-pki.js';

/** A promise with the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('with client certificates required, the probe port answers /health and /ready in plain HTTP to a client without one, and nothing else', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const server = await pki.issue('registry');
  const client = await pki.issue('client');
  const registry = await startRegistry({ tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile, clientAuth: 'require' }, probePort: 0 });
  t.after(() => registry.close());
  const probes = registry.probesUrl!;
  assert.match(probes, /^http:\/\/127\.0\.0\.1:\d+$/);

  // The public port still refuses a handshake without a certificate (what the kubelet's probe would do)…
  await assert.rejects(httpsCall(`${registry.url}/ready`, { ca: pki.ca }), /CERTIFICATE_REQUIRED|ECONNRESET|socket hang up|alert/i);
  // …while the probe port answers the same probes, without TLS.
  const health = await fetch(`${probes}/health`);
  assert.equal(health.status, 200);
  assert.equal(health.headers.get('cache-control'), 'no-store');
  const healthBody = (await health.json()) as { status: string; name: string };
  assert.deepEqual([healthBody.status, healthBody.name], ['ok', 'registry']);
  const ready = await fetch(`${probes}/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { storage: 'ok', bus: 'ok' } });
  // The public port (with a certificate) gives the same answer.
  const mtls = { ca: pki.ca, cert: client.cert, key: client.key };
  assert.deepEqual((await httpsCall(`${registry.url}/ready`, mtls)).body, { status: 'ready', checks: { storage: 'ok', bus: 'ok' } });

  // Nothing else: no API, no metrics, no other method — no way around mutual TLS.
  for (const [method, path] of [['GET', '/v1/agents'], ['GET', '/metrics'], ['GET', '/'], ['POST', '/ready'], ['GET', '/.well-known/ai-catalog.json']] as const) {
    const res = await fetch(`${probes}${path}`, { method, ...(method === 'POST' && { body: '{}' }) });
    assert.equal(res.status, 404, `${method} ${path}`);
    const body = (await res.json()) as { error: { details: Array<{ reason: string }> } };
    assert.equal(body.error.details[0]!.reason, 'AM_ERR_HTTP_NOT_FOUND');
  }
  assert.equal((await fetch(`${probes}/health`, { method: 'HEAD' })).status, 200);
});

test('the probe port turns /ready to 503 while the role drains, keeps /health up, and closes once the drain is over', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const server = await pki.issue('registry');
  const registry = await startRegistry({ tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile, clientAuth: 'require' }, probePort: 0 });
  t.after(() => registry.close());
  const probes = registry.probesUrl!;
  assert.equal((await fetch(`${probes}/ready`)).status, 200);

  // A drain hook that holds the drain open until the test lets it go (as an open stream would).
  const reached = gate();
  const held = gate();
  onDrain(registry.registry.app, () => {
    reached.open();
    return held.promise;
  });
  const closing = registry.close();
  await reached.promise;

  const draining = await fetch(`${probes}/ready`);
  assert.equal(draining.status, 503);
  assert.deepEqual(await draining.json(), { status: 'draining', checks: {} });
  assert.equal((await fetch(`${probes}/health`)).status, 200);

  held.open();
  await closing;
  await assert.rejects(fetch(`${probes}/ready`), 'the probe port closes with the role');
});
