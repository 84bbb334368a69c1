import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, errorMessage, isRecord, oneOf, requireOneOf, toError } from '../../../src/protocol/narrowing.js';

test('isRecord accepts JSON objects only: not null, arrays or scalars', () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord(Object.create(null)), true);
  for (const value of [null, undefined, [], 'x', 1, true]) assert.equal(isRecord(value), false);
});

test('oneOf answers the member a value equals, and nothing for any other value', () => {
  const states = ['active', 'revoked'] as const;
  assert.equal(oneOf(states, 'revoked'), 'revoked');
  assert.equal(oneOf(states, 'constructor'), undefined);
  assert.equal(oneOf(states, undefined), undefined);
});

test('errorMessage and errorCode read what was thrown, whatever it is', () => {
  const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
  assert.equal(errorMessage(enoent), 'no such file');
  assert.equal(errorCode(enoent), 'ENOENT');
  assert.equal(errorMessage({ message: 'from another realm' }), 'from another realm');
  assert.equal(errorMessage('a string'), 'a string');
  assert.equal(errorCode('a string'), undefined);
  assert.equal(errorCode({ code: 42 }), undefined);
});

test('toError keeps an Error and wraps anything else, keeping it as the cause', () => {
  const err = new TypeError('bad');
  assert.equal(toError(err), err);
  const wrapped = toError('thrown text');
  assert.equal(wrapped.message, 'thrown text');
  assert.equal(wrapped.cause, 'thrown text');
});

test('requireOneOf answers a member and refuses anything else, naming what held it', () => {
  assert.equal(requireOneOf(['ES256', 'RS256'], 'RS256', 'alg'), 'RS256');
  assert.throws(() => requireOneOf(['ES256', 'RS256'], 'none', 'identity_signing_keys.alg'), { name: 'TypeError', message: 'identity_signing_keys.alg is "none", not one of "ES256", "RS256"' });
});
