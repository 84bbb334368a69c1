import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader } from 'jose';
import { createLogger } from '../../../src/observability/logger.js';
import { isAgentmeshError } from '../../../src/protocol/errors.js';
import { PUSH_SIGNATURE_HEADER, createPushSigner, verifyPushSignature } from '../../../src/runtime/push/push-signer.js';
import { loadSigningKey } from '../../../src/runtime/push/signing-keys.js';
import type { PushSigner, SigningKey } from '../../../src/runtime/push/index.js';

const logger = createLogger({ level: 'silent' });
const NOW = Date.parse('2025-06-01T12:00:00Z');
const ISSUER = 'https://agents.example.com/agents/sales';
const WEBHOOK = 'https://client.example.com/hooks/a2a?id=7';
const BODY = JSON.stringify({ statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } } });

/** Asserts a rejection with AM_ERR_AUTH_UNAUTHENTICATED and the given reason. */
function rejectedFor(reason: string) {
  return (err: unknown): boolean => {
    assert.ok(isAgentmeshError(err), `not an AgentmeshError: ${String(err)}`);
    assert.equal(err.code, 'AM_ERR_AUTH_UNAUTHENTICATED');
    assert.equal(err.details?.reason, reason, err.message);
    return true;
  };
}

let key: SigningKey;
let signer: PushSigner;
before(async () => {
  key = await loadSigningKey({ logger });
  let n = 0;
  signer = createPushSigner({ key, jti: () => `jti-${++n}` });
});

describe('createPushSigner', () => {
  test('signs a compact ES256 JWS with kid and typ JWT', async () => {
    const jws = await signer.sign({ issuer: ISSUER, audience: WEBHOOK, body: BODY, now: NOW });
    assert.equal(signer.headerName, PUSH_SIGNATURE_HEADER);
    assert.equal(jws.split('.').length, 3);
    assert.deepEqual(decodeProtectedHeader(jws), { alg: 'ES256', kid: key.kid, typ: 'JWT' });
  });

  test('binds issuer, audience, a 300 s lifetime, a per-attempt jti and the body hash', async () => {
    const a = decodeJwt(await signer.sign({ issuer: ISSUER, audience: WEBHOOK, body: BODY, now: NOW }));
    const b = decodeJwt(await signer.sign({ issuer: ISSUER, audience: WEBHOOK, body: BODY, now: NOW }));
    assert.equal(a.iss, ISSUER);
    assert.equal(a.aud, WEBHOOK);
    assert.equal(a.iat, NOW / 1000);
    assert.equal(a.exp, NOW / 1000 + 300);
    assert.notEqual(a.jti, b.jti);
    assert.equal(a.body_sha256, createHash('sha256').update(BODY, 'utf8').digest('base64url'));
  });
});

describe('verifyPushSignature', () => {
  const sign = (over: { body?: string; audience?: string; now?: number } = {}): Promise<string> =>
    signer.sign({ issuer: ISSUER, audience: over.audience ?? WEBHOOK, body: over.body ?? BODY, now: over.now ?? NOW });

  test('accepts a genuine notification and returns its claims', async () => {
    const claims = await verifyPushSignature({ jwks: key.jwks(), signature: await sign(), body: BODY, audience: WEBHOOK, issuer: ISSUER, now: NOW + 10_000 });
    assert.equal(claims.iss, ISSUER);
    assert.equal(typeof claims.jti, 'string');
  });

  test('accepts the raw body bytes as well as its text', async () => {
    const body = JSON.stringify({ message: { text: 'déjà vu ✓' } });
    const signature = await sign({ body });
    const claims = await verifyPushSignature({ jwks: key.jwks(), signature, body: Buffer.from(body, 'utf8'), audience: WEBHOOK, now: NOW });
    assert.equal(claims.aud, WEBHOOK);
  });

  test('verifies RS256 signatures too', async () => {
    const rsa = await loadSigningKey({ alg: 'RS256', logger });
    const signature = await createPushSigner({ key: rsa }).sign({ issuer: ISSUER, audience: WEBHOOK, body: BODY, now: NOW });
    assert.equal(decodeProtectedHeader(signature).alg, 'RS256');
    await verifyPushSignature({ jwks: rsa.jwks(), signature, body: BODY, audience: WEBHOOK, now: NOW });
  });

  test('rejects a tampered body', async () => {
    const tampered = BODY.replace('WORKING', 'COMPLETED');
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature: await sign(), body: tampered, audience: WEBHOOK, now: NOW }), rejectedFor('body_mismatch'));
  });

  test('rejects a signature made for another webhook', async () => {
    const signature = await sign({ audience: 'https://attacker.example.com/hook' });
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature, body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('claims'));
  });

  test('rejects another issuer when one is expected', async () => {
    await assert.rejects(
      verifyPushSignature({ jwks: key.jwks(), signature: await sign(), body: BODY, audience: WEBHOOK, issuer: 'https://other.example.com', now: NOW }),
      rejectedFor('claims'),
    );
  });

  test('rejects an expired signature, past the clock tolerance', async () => {
    const signature = await sign();
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature, body: BODY, audience: WEBHOOK, now: NOW + 331_000 }), rejectedFor('expired'));
    // Inside the 30 s tolerance it still passes.
    await verifyPushSignature({ jwks: key.jwks(), signature, body: BODY, audience: WEBHOOK, now: NOW + 320_000 });
  });

  test('refuses an unsecured token (alg none)', async () => {
    const claims = decodeJwt(await sign());
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: key.kid }))}.${base64url.encode(JSON.stringify(claims))}.`;
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature: none, body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('algorithm'));
  });

  test('refuses HS256, even keyed with the public key material (alg confusion)', async () => {
    const claims = decodeJwt(await sign());
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid }).sign(secret);
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature: hs, body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('algorithm'));
  });

  test("rejects a signature by a key that is not in the agent's JWKS", async () => {
    const stranger = await loadSigningKey({ logger });
    const signature = await createPushSigner({ key: stranger }).sign({ issuer: ISSUER, audience: WEBHOOK, body: BODY, now: NOW });
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature, body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('key'));
  });

  test('rejects a forged signature under the right kid', async () => {
    const [header, payload] = (await sign()).split('.');
    const forged = `${header}.${payload}.${(await sign({ body: '{}' })).split('.')[2]}`;
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature: forged, body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('signature'));
  });

  test('rejects a missing or garbled header', async () => {
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature: '', body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('malformed'));
    await assert.rejects(verifyPushSignature({ jwks: key.jwks(), signature: 'a.b.c', body: BODY, audience: WEBHOOK, now: NOW }), rejectedFor('malformed'));
  });
});
