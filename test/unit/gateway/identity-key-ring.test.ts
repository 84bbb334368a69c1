import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyRing } from '../../../src/gateway/identity/keys/key-ring.js';
import type { SigningKey } from '../../../src/gateway/identity/keys/key-material.js';

const MIN = 60_000;
const schedule = { rotationIntervalMs: 60 * MIN, publishLeadMs: 10 * MIN, maxSignedLifetimeMs: 16 * MIN };

/** A key with only what the schedule reads (the CryptoKeys are never touched here). */
function key(generation: number, activatesAt: number): SigningKey {
  return { kid: `k${generation}`, generation, alg: 'ES256', publicJwk: { kty: 'EC', kid: `k${generation}`, alg: 'ES256', use: 'sig' }, privateKey: {} as never, publicKey: {} as never, createdAt: activatesAt, activatesAt };
}
const kids = (ring: KeyRing, now: number) => ring.jwks(now).keys.map((k) => k.kid);

describe('key ring schedule', () => {
  test('asks for a first key when it holds none', () => {
    const ring = new KeyRing(schedule);
    assert.equal(ring.rotationDue(0), true);
    assert.equal(ring.nextGeneration(), 1);
    assert.equal(ring.nextActivation(1234), 1234);
    assert.equal(ring.signer(0), undefined);
  });

  test('is due one publication lead before the interval ends, and schedules the successor at the interval end', () => {
    const ring = new KeyRing(schedule);
    ring.replace([key(1, 0)]);
    assert.equal(ring.rotationDue(50 * MIN - 1), false);
    assert.equal(ring.rotationDue(50 * MIN), true);
    assert.equal(ring.nextActivation(50 * MIN), 60 * MIN);
    // Long downtime: the successor still gets a full lead of publication before it signs.
    assert.equal(ring.nextActivation(500 * MIN), 510 * MIN);
  });

  test('publishes a pending key before it signs, then keeps the retired key until its last token expired', () => {
    const ring = new KeyRing(schedule);
    ring.replace([key(2, 60 * MIN), key(1, 0)]);
    assert.equal(ring.signer(55 * MIN)?.kid, 'k1');
    assert.deepEqual(kids(ring, 55 * MIN), ['k2', 'k1']);
    assert.equal(ring.rotationDue(55 * MIN), false, 'a pending successor exists');
    assert.equal(ring.signer(60 * MIN)?.kid, 'k2');
    assert.deepEqual(kids(ring, 60 * MIN + 16 * MIN - 1), ['k2', 'k1']);
    assert.equal(ring.verifier('k1', 60 * MIN + 16 * MIN - 1)?.kid, 'k1');
    assert.deepEqual(kids(ring, 60 * MIN + 16 * MIN), ['k2']);
    assert.equal(ring.verifier('k1', 60 * MIN + 16 * MIN), undefined);
    assert.deepEqual(ring.obsolete(60 * MIN + 16 * MIN), ['k1']);
    assert.deepEqual(ring.obsolete(60 * MIN), []);
  });

  test('never calls the current key obsolete', () => {
    const ring = new KeyRing(schedule);
    ring.replace([key(1, 0)]);
    assert.deepEqual(ring.obsolete(10_000 * MIN), []);
    assert.deepEqual(kids(ring, 10_000 * MIN), ['k1']);
  });
});
