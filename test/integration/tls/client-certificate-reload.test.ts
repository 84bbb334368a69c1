import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import { openClientTls } from '../../../src/http/index.js';
import { createLogger } from '../../../src/observability/index.js';
import { createTestPki } from '../../helpers/test-pki.js';

test('a role presents its rotated client certificate on new connections without a restart, and keeps the old one when the new pair is bad', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const [server, first, second, unrelated] = await Promise.all(['server', 'client', 'client', 'unrelated'].map((n) => pki.issue(n)));
  // A server requiring client certificates that answers with the serial it saw, closing each connection.
  const https = createServer({ cert: server!.cert, key: server!.key, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    res.setHeader('connection', 'close');
    res.end((req.socket as TLSSocket).getPeerCertificate().serialNumber.toUpperCase());
  });
  https.listen(0, '127.0.0.1');
  await once(https, 'listening');
  t.after(() => https.close());
  const url = `https://localhost:${(https.address() as AddressInfo).port}/`;

  const certFile = join(pki.dir, 'client.crt');
  const keyFile = join(pki.dir, 'client.key');
  copyFileSync(first!.certFile, certFile);
  copyFileSync(first!.keyFile, keyFile);
  const source = openClientTls({ certFile, keyFile, caFile: pki.caFile }, { logger: createLogger({ level: 'silent' }) })!;
  t.after(() => source.close());
  const pool = new Agent({ connect: source.connector({ timeout: 5_000 }, buildConnector) });
  t.after(() => pool.close());
  const presented = async () => (await (await request(url, { dispatcher: pool })).body.text()).trim();

  assert.equal(await presented(), first!.serialNumber);

  const failed = once(source, 'reload-failed');
  copyFileSync(unrelated!.certFile, certFile);
  await failed;
  assert.equal(await presented(), first!.serialNumber, 'a certificate without its key is not used');

  const reloaded = once(source, 'reload');
  copyFileSync(second!.keyFile, keyFile);
  copyFileSync(second!.certFile, certFile);
  await reloaded;
  assert.equal(await presented(), second!.serialNumber);
});
