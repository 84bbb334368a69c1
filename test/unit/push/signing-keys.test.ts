import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { createLogger } from '../../../src/observability/logger.js';
import { isAgentmeshError } from '../../../src/protocol/errors.js';
import { loadSigningKey } from '../../../src/runtime/push/signing-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmesh-signing-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A logger whose lines the test can read. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } as never });
  return { logger, lines };
}

const isConfigInvalid = (err: unknown): boolean => isAgentmeshError(err) && err.code === 'AM_ERR_CONFIG_INVALID';

describe('loadSigningKey', () => {
  test('generates an ES256 key once, persists it 0600, and reloads the same kid', async () => {
    const file = join(dir, 'gen', 'signing-key.json');
    const first = capturingLogger();
    const a = await loadSigningKey({ file, logger: first.logger });
    assert.equal(a.alg, 'ES256');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(first.lines.some((l) => l.level === 40 && /generated key/.test(l.msg)), 'warns that a generated key is in use');

    const b = await loadSigningKey({ file, logger: capturingLogger().logger });
    assert.equal(b.kid, a.kid);
    assert.deepEqual(b.publicJwk, a.publicJwk);
  });

  test('gives replicas racing on an empty data dir one and the same key', async () => {
    const file = join(dir, 'race', 'signing-key.json');
    const { logger } = capturingLogger();
    const keys = await Promise.all(Array.from({ length: 4 }, () => loadSigningKey({ file, logger })));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).alg, 'ES256');
  });

  test('uses the RFC 7638 thumbprint as kid and publishes only the public half', async () => {
    const { logger } = capturingLogger();
    const key = await loadSigningKey({ file: join(dir, 'thumb.json'), logger });
    const { kty, crv, x, y } = key.publicJwk;
    assert.equal(key.kid, await calculateJwkThumbprint({ kty: kty!, crv: crv!, x: x!, y: y! }, 'sha256'));
    assert.equal(key.publicJwk.kid, key.kid);
    assert.equal(key.publicJwk.use, 'sig');
    assert.equal(key.publicJwk.alg, 'ES256');
    assert.equal('d' in key.publicJwk, false);
    assert.deepEqual(key.jwks(), { keys: [key.publicJwk] });
  });

  test('loads a configured PEM key (PKCS#8 or SEC1) without touching the file', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    const file = join(dir, 'unused.json');
    const { logger, lines } = capturingLogger();
    const a = await loadSigningKey({ privateKeyPem: pkcs8, file, logger });
    const b = await loadSigningKey({ privateKeyPem: sec1, logger });
    assert.equal(a.kid, b.kid);
    assert.throws(() => statSync(file), /ENOENT/);
    assert.equal(lines.filter((l) => l.level >= 40).length, 0, 'no warning for a configured key');
  });

  test('loads an RS256 key from a private JWK', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = await loadSigningKey({ jwk: privateKey.export({ format: 'jwk' }), alg: 'RS256', logger: capturingLogger().logger });
    assert.equal(key.alg, 'RS256');
    assert.equal(key.publicJwk.kty, 'RSA');
    assert.equal('d' in key.publicJwk, false);
  });

  test('refuses a key that does not fit the algorithm', async () => {
    const { logger } = capturingLogger();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await assert.rejects(loadSigningKey({ privateKeyPem: rsa, logger }), (err) => isConfigInvalid(err) && /ES256 needs an EC P-256 key/.test((err as Error).message));
    await assert.rejects(loadSigningKey({ privateKeyPem: p384, logger }), isConfigInvalid);
    await assert.rejects(loadSigningKey({ privateKeyPem: rsa1024, alg: 'RS256', logger }), (err) => isConfigInvalid(err) && /at least 2048 bits/.test((err as Error).message));
  });

  test('refuses a public JWK, garbage PEM and two sources at once', async () => {
    const { logger } = capturingLogger();
    const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    await assert.rejects(loadSigningKey({ jwk: pub, logger }), (err) => isConfigInvalid(err) && /private JWK/.test((err as Error).message));
    await assert.rejects(loadSigningKey({ privateKeyPem: 'not a key', logger }), isConfigInvalid);
    await assert.rejects(loadSigningKey({ privateKeyPem: 'x', jwk: pub, logger }), (err) => isConfigInvalid(err) && /only one/.test((err as Error).message));
  });

  test('never overwrites a damaged or mismatched key file', async () => {
    const { logger } = capturingLogger();
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{ not json', { mode: 0o600 });
    await assert.rejects(loadSigningKey({ file: damaged, logger }), (err) => isConfigInvalid(err) && /not valid JSON/.test((err as Error).message));
    assert.equal(readFileSync(damaged, 'utf8'), '{ not json');

    const es = join(dir, 'es.json');
    await loadSigningKey({ file: es, logger });
    await assert.rejects(loadSigningKey({ file: es, alg: 'RS256', logger }), (err) => isConfigInvalid(err) && /holds an ES256 key/.test((err as Error).message));
  });
});
