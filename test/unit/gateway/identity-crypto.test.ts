import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/observability/logger.js';
import { openSealedValue as open, sealValue as seal } from '../../../src/storage/sealed-box.js';
import { SecretHasher } from '../../../src/gateway/identity/crypto/secret-hash.js';
import { loadDerivedKeys } from '../../../src/gateway/identity/crypto/master-secret.js';
import { formatApiKey, newApiKeyId, newApiKeySecret, newClientId, newClientSecret, parseApiKey } from '../../../src/gateway/identity/crypto/credential-ids.js';

const logger = createLogger({ level: 'silent' });

describe('sealed box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  test('opens what it sealed, and the sealed text does not contain the plaintext', () => {
    const plaintext = Buffer.from('private key bytes');
    const sealed = seal(key, plaintext, 'kid-1');
    assert.match(sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(!sealed.includes(plaintext.toString('base64url')));
    assert.deepEqual(open(key, sealed, 'kid-1'), plaintext);
  });

  test('refuses another key, another context (a row swapped onto another kid) and a modified ciphertext', () => {
    const sealed = seal(key, Buffer.from('secret'), 'kid-1');
    assert.throws(() => open(randomBytes(32), sealed, 'kid-1'), { code: 'AM_ERR_CONFIG_INVALID', message: /cannot be opened: the secret differs/ });
    assert.throws(() => open(key, sealed, 'kid-2'), { code: 'AM_ERR_CONFIG_INVALID' });
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3]!, 'base64url').toString('latin1').slice(1), 'latin1').toString('base64url');
    assert.throws(() => open(key, parts.join('.'), 'kid-1'), { code: 'AM_ERR_CONFIG_INVALID' });
    assert.throws(() => open(key, 'v9.a.b.c', 'kid-1'), { code: 'AM_ERR_CONFIG_INVALID', message: /unknown format/ });
  });
});

describe('secret hashes', () => {
  const hasher = new SecretHasher(randomBytes(32));
  test('verify the right secret for the right subject only', () => {
    const stored = hasher.hash('amc_a', 's3cret');
    assert.match(stored, /^hmac-sha256\$[\w-]{43}$/);
    assert.equal(hasher.verify('amc_a', 's3cret', stored), true);
    assert.equal(hasher.verify('amc_a', 's3cret!', stored), false);
    assert.equal(hasher.verify('amc_b', 's3cret', stored), false, 'a hash copied onto another client does not match');
    assert.equal(hasher.verify('amc_a', 's3cret', undefined), false);
    assert.equal(hasher.verify('amc_a', 's3cret', 'plain'), false);
  });

  test('depend on the pepper: another server secret gives other hashes', () => {
    assert.notEqual(new SecretHasher(randomBytes(32)).hash('amc_a', 'x'), hasher.hash('amc_a', 'x'));
  });
});

describe('credential ids', () => {
  test('are prefixed and round-trip through the API key format', () => {
    assert.match(newClientId(), /^amc_[a-z0-9]{20}$/);
    assert.match(newClientSecret(), /^amcs_[\w-]{43}$/);
    const id = newApiKeyId();
    const secret = newApiKeySecret();
    const key = formatApiKey(id, secret);
    assert.match(key, /^amk_[a-z0-9]{20}_[\w-]{43}$/);
    assert.deepEqual(parseApiKey(key), { id, secret });
    assert.equal(parseApiKey('amk_short_x'), undefined);
    assert.equal(parseApiKey(`${id}_${secret}x`), undefined);
  });
});

describe('identity secret', () => {
  test('is created once in the secret file with mode 0600, and read back by the next start', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentmesh-secret-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'nested', 'identity-secret');
    const first = await loadDerivedKeys({ file, logger });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(readFileSync(file, 'utf8').trim().length >= 32);
    const second = await loadDerivedKeys({ file, logger });
    assert.deepEqual(second.keyEncryption.current, first.keyEncryption.current);
    assert.notDeepEqual(first.keyEncryption.current, first.derivedPeppers.current, 'the two derived keys differ');
  });

  test('uses a configured secret over the file, and refuses a short file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentmesh-secret-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const a = await loadDerivedKeys({ secret: 'x'.repeat(32), logger });
    const b = await loadDerivedKeys({ secret: 'x'.repeat(32), file: join(dir, 'unused'), logger });
    assert.deepEqual(a.derivedPeppers.current, b.derivedPeppers.current);
    writeFileSync(join(dir, 'short'), 'too short');
    await assert.rejects(loadDerivedKeys({ file: join(dir, 'short'), logger }), { code: 'AM_ERR_CONFIG_INVALID', message: /fewer than 32 characters/ });
  });
});
