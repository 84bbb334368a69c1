import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { checkLlhttp } from '../../../src/gateway/routing/upstream-http1.js';

/**
 * The start-up check of Node's parser binding (ADR 0064) refuses a binding
 * whose header checks judge otherwise than node:http's: they alone keep a
 * client's header from splitting the request written for it, so a Node
 * whose checks changed falls back to undici instead of writing what they let through.
 */

const common = createRequire(import.meta.url)('node:_http_common') as Record<string, unknown>;

test("this Node's binding passes the check", () => {
  assert.equal(typeof checkLlhttp(common), 'object');
});

test('a binding whose header value check lets CR and LF through is refused', () => {
  const reason = checkLlhttp({ ...common, _checkInvalidHeaderChar: (value: string) => /[\0]/.test(value) });
  assert.equal(typeof reason, 'string');
  assert.match(reason as string, /_checkInvalidHeaderChar/);
});

test('a binding whose token check lets separators through is refused', () => {
  const reason = checkLlhttp({ ...common, _checkIsHttpToken: (name: string) => name.length > 0 });
  assert.equal(typeof reason, 'string');
  assert.match(reason as string, /_checkIsHttpToken/);
});
