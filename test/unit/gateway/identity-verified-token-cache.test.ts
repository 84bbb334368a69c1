import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifiedTokenCache, type VerifiedToken } from '../../../src/gateway/identity/tokens/verified-token-cache.js';

/** An entry with only what the cache reads (its expiry); the principal is never looked at here. */
function verified(name: string, expiresAt = Number.MAX_SAFE_INTEGER): VerifiedToken {
  return { principal: { name } as never, expiresAt };
}

const signature = 'S'.repeat(70) + 'abcdefghijklmnop';
const token = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from('{"sub":"a"}').toString('base64url')}.${signature}`;

describe('verified token cache: looked up by its tail, answering for exact texts only', () => {
  test('a copy of the token (a new header string) is a hit', () => {
    const cache = new VerifiedTokenCache(10);
    const entry = verified('a');
    cache.set(token, entry);
    assert.equal(cache.get(Buffer.from(token).toString('latin1')), entry);
  });

  test('another token with the same signature (another payload) is a miss, and cannot delete the verified one', () => {
    const cache = new VerifiedTokenCache(10);
    const entry = verified('a');
    cache.set(token, entry);
    const forged = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from('{"sub":"b"}').toString('base64url')}.${signature}`;
    assert.equal(cache.get(forged), undefined);
    cache.delete(forged);
    assert.equal(cache.get(token), entry);
    cache.delete(token);
    assert.equal(cache.get(token), undefined);
  });

  test('short tokens, the FIFO bound and the sweep of expired entries', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('t1', verified('1', 100));
    cache.set('t2', verified('2'));
    cache.set('t2', verified('2b'));
    assert.equal(cache.size, 2, 'the same token again does not evict another');
    cache.set('t3', verified('3'));
    assert.equal(cache.get('t1'), undefined, 'the oldest went');
    assert.equal(cache.size, 2);
    cache.sweep(200);
    assert.equal(cache.size, 2, 't1 is gone already; the others do not expire');
    cache.set('t4', verified('4', 100));
    cache.sweep(200);
    assert.equal(cache.get('t4'), undefined);
    assert.equal(new VerifiedTokenCache(0).get('t1'), undefined);
  });
});
