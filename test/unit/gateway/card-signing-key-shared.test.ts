/**
 * Gateway replicas sign cards with one key when GATEWAY_CARD_SIGNING_KEY (or
 * its _FILE, from a Kubernetes Secret or a Compose secret) gives it: the same
 * kid on every replica, nothing generated into the data dir.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportPKCS8, generateKeyPair } from 'jose';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { ensureSharedSecrets } from '../../../src/cli/gateway-workers/shared-secrets.js';
import { withSecretFiles } from '../../../src/cli/config/secret-files.js';
import { loadCardSigningKey } from '../../../src/gateway/card-signing-key.js';

test('two replicas given one GATEWAY_CARD_SIGNING_KEY_FILE publish the same key and write none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-card-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  writeFileSync(join(dir, 'card_signing_key'), `${await exportPKCS8(privateKey)}\n`);
  const kids: string[] = [];
  for (const replica of ['a', 'b']) {
    const env = withSecretFiles({ GATEWAY_CARD_SIGNING_KEY_FILE: join(dir, 'card_signing_key') });
    const config = gatewayConfigFromEnv(env, { dataDir: join(dir, replica) });
    assert.deepEqual(await ensureSharedSecrets({ dataDir: join(dir, replica), keyEncryptionSecret: 'x'.repeat(32), cardSigningKeyPem: config.cardSigningKeyPem }), []);
    const key = await loadCardSigningKey(join(dir, replica, 'gateway-card-key.pem'), () => 'https://gw.example/.well-known/agent-card-jwks.json', config.cardSigningKeyPem);
    kids.push(key.jwks().keys[0]!.kid!);
    assert.equal(existsSync(join(dir, replica, 'gateway-card-key.pem')), false);
  }
  assert.equal(kids[0], kids[1]);
});

test('a GATEWAY_CARD_SIGNING_KEY that is not a P-256 PKCS#8 key stops the start, naming the variable', async () => {
  await assert.rejects(loadCardSigningKey('/nonexistent/gateway-card-key.pem', () => '', 'not a key'), /GATEWAY_CARD_SIGNING_KEY\) is not a PKCS#8 PEM P-256 private key/);
});
