import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsCall, servedSerial } from '../../helpers/https-client.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { createTestPki } from '../../helpers/test-pki.js';

test('a role serves HTTPS from its certificate and key files', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const server = await pki.issue('registry');
  const registry = await startRegistry({ tls: { certFile: server.certFile, keyFile: server.keyFile } });
  t.after(() => registry.close());

  assert.match(registry.url, /^https:\/\/localhost:\d+$/);
  const health = await httpsCall(`${registry.url}/health`, { ca: pki.ca });
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ok');
  const ready = await httpsCall(`${registry.url}/ready`, { ca: pki.ca });
  assert.equal(ready.status, 200);
  assert.equal(await servedSerial(Number(new URL(registry.url).port), pki.ca), server.serialNumber);
  // Plain HTTP on the TLS port gets no HTTP answer.
  await assert.rejects(fetch(registry.url.replace('https:', 'http:') + '/health'));
});

test('with client certificates required, a client without one is refused during the handshake and one with a certificate of the CA is served', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const server = await pki.issue('registry');
  const client = await pki.issue('client-a');
  const other = await createTestPki();
  t.after(() => other.close());
  const stranger = await other.issue('stranger');
  const registry = await startRegistry({ tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile, clientAuth: 'require' } });
  t.after(() => registry.close());

  await assert.rejects(httpsCall(`${registry.url}/health`, { ca: pki.ca }), (err: NodeJS.ErrnoException) => {
    // TLS 1.3: the server's alert arrives once the client reads (certificate required), or the socket is reset.
    assert.match(`${err.code} ${err.message}`, /CERTIFICATE_REQUIRED|ECONNRESET|socket hang up|alert/i);
    return true;
  });
  await assert.rejects(httpsCall(`${registry.url}/health`, { ca: pki.ca, cert: stranger.cert, key: stranger.key }), /UNKNOWN_CA|ECONNRESET|socket hang up|alert/i);
  const served = await httpsCall(`${registry.url}/health`, { ca: pki.ca, cert: client.cert, key: client.key });
  assert.equal(served.status, 200);
  // The refusals never reached HTTP; they are counted.
  const metrics = await httpsCall(`${registry.url}/metrics`, { ca: pki.ca, cert: client.cert, key: client.key });
  const refused = /^agentmesh_http_tls_handshake_failures_total\{role="registry"\} (\d+)$/m.exec(String(metrics.body));
  assert.ok(refused, 'the refused handshakes are counted');
  assert.ok(Number(refused[1]) >= 2, `two refusals counted, got ${refused[1]}`);
});

test('a changed certificate is served to new connections without a restart, and a bad one is refused while the old one stays', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const first = await pki.issue('registry');
  const second = await pki.issue('registry');
  const unrelated = await pki.issue('unrelated');
  // The role's files, replaced in place below as a rotation would.
  const certFile = join(pki.dir, 'served.crt');
  const keyFile = join(pki.dir, 'served.key');
  copyFileSync(first.certFile, certFile);
  copyFileSync(first.keyFile, keyFile);
  const registry = await startRegistry({ tls: { certFile, keyFile } });
  t.after(() => registry.close());
  const port = Number(new URL(registry.url).port);
  const certificates = registry.registry.app.agentmesh.certificates!;
  assert.equal(certificates.current.serialNumber, first.serialNumber);
  assert.equal(await servedSerial(port, pki.ca), first.serialNumber);

  // A certificate whose key is not the one on disk: refused, the first pair still served.
  const failed = once(certificates, 'reload-failed');
  copyFileSync(unrelated.certFile, certFile);
  const [err] = (await failed) as [Error];
  assert.match(err.message, /key values mismatch|mismatch/i);
  assert.equal(await servedSerial(port, pki.ca), first.serialNumber);

  const reloaded = once(certificates, 'reload');
  copyFileSync(second.keyFile, keyFile);
  copyFileSync(second.certFile, certFile);
  const [summary] = (await reloaded) as [{ serialNumber: string }];
  assert.equal(summary.serialNumber, second.serialNumber);
  assert.equal(await servedSerial(port, pki.ca), second.serialNumber);
  assert.equal((await httpsCall(`${registry.url}/health`, { ca: pki.ca })).status, 200);
});
