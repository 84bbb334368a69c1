import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateWebhookSecret, signStandardWebhook, verifyStandardWebhook, webhookSecretBytes } from '../../../../src/runtime/workflow-hooks/standard-webhooks.js';

// The example of the Standard Webhooks specification's reference libraries: secret, id, timestamp, body and the signature they compute.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

test('signs the specification example as its reference libraries do', () => {
  const headers = signStandardWebhook({ id: SPEC.id, now: SPEC.timestamp * 1000 + 999, body: SPEC.body, secrets: [SPEC.secret] });
  assert.deepEqual(headers, { 'webhook-id': SPEC.id, 'webhook-timestamp': String(SPEC.timestamp), 'webhook-signature': SPEC.signature });
  assert.deepEqual(verifyStandardWebhook({ headers, body: Buffer.from(SPEC.body), secrets: [SPEC.secret], now: SPEC.timestamp * 1000 }), { id: SPEC.id, timestamp: SPEC.timestamp });
});

test('signs with every secret of a rotation, and a receiver holding any one of them accepts', () => {
  const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
  const headers = signStandardWebhook({ id: 'msg_1', now: 1_000_000, body: '{}', secrets: [a, b] });
  assert.equal(headers['webhook-signature']!.split(' ').length, 2);
  for (const secret of [a, b]) assert.equal(verifyStandardWebhook({ headers, body: '{}', secrets: [secret], now: 1_000_000 }).id, 'msg_1');
  assert.throws(() => verifyStandardWebhook({ headers, body: '{}', secrets: [generateWebhookSecret()], now: 1_000_000 }), { code: 'AM_ERR_AUTH_UNAUTHENTICATED', details: { reason: 'signature' } });
});

test('refuses a message outside the tolerance, without its headers, or with a timestamp that is no number', () => {
  const secret = generateWebhookSecret();
  const headers = signStandardWebhook({ id: 'msg_1', now: 10_000_000, body: 'x', secrets: [secret] });
  assert.throws(() => verifyStandardWebhook({ headers, body: 'x', secrets: [secret], now: 10_000_000 + 301_000 }), { details: { reason: 'expired' } });
  assert.throws(() => verifyStandardWebhook({ headers, body: 'x', secrets: [secret], now: 10_000_000 - 301_000 }), { details: { reason: 'expired' } });
  assert.equal(verifyStandardWebhook({ headers, body: 'x', secrets: [secret], now: 10_000_000 + 299_000 }).id, 'msg_1');
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const without = { ...headers, [name]: undefined };
    assert.throws(() => verifyStandardWebhook({ headers: without, body: 'x', secrets: [secret], now: 10_000_000 }), { details: { reason: 'missing' } });
  }
  assert.throws(() => verifyStandardWebhook({ headers: { ...headers, 'webhook-timestamp': '1e4' }, body: 'x', secrets: [secret], now: 10_000_000 }), { details: { reason: 'timestamp' } });
  // A Headers object reads the same.
  assert.equal(verifyStandardWebhook({ headers: new Headers(headers), body: 'x', secrets: [secret], now: 10_000_000 }).id, 'msg_1');
});

test('takes only whsec_ secrets of 24 to 64 bytes', () => {
  assert.equal(webhookSecretBytes(generateWebhookSecret())?.length, 32);
  for (const bad of ['', 'whsec_', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', `whsec_${Buffer.alloc(23).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_not*base64*at*all*here*ok', 'whsec_QUJD']) {
    assert.equal(webhookSecretBytes(bad), undefined, bad);
  }
  assert.throws(() => signStandardWebhook({ id: 'm', now: 0, body: '', secrets: ['whsec_QUJD'] }), { code: 'AM_ERR_CONFIG_INVALID' });
});

test('a signature verifies for exactly its id, timestamp and body', () => {
  const secret = generateWebhookSecret();
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 4_000_000_000 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), (id, seconds, body, other) => {
      const now = seconds * 1000;
      const headers = signStandardWebhook({ id, now, body, secrets: [secret] });
      assert.equal(verifyStandardWebhook({ headers, body, secrets: [secret], now }).id, id);
      const changed = Buffer.concat([Buffer.from(body), Buffer.from(other)]);
      assert.throws(() => verifyStandardWebhook({ headers, body: changed, secrets: [secret], now }), { details: { reason: 'signature' } });
      assert.throws(() => verifyStandardWebhook({ headers: { ...headers, 'webhook-id': `${id}x` }, body, secrets: [secret], now }), { details: { reason: 'signature' } });
    }),
  );
});
