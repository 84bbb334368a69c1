import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreakerPolicy, CircuitState } from 'cockatiel';
import { checkBreakerInternals, loadBreakerInternals } from '../../../src/gateway/routing/breaker-internals.js';

/**
 * The fast path of a closed breaker (upstream-instance.ts) reaches cockatiel's private `open` and
 * `innerLastFailure`; they are checked on a canned breaker first, and a cockatiel whose members do
 * something else gives a reason, so the router sends every call through cockatiel's own `execute`.
 */
describe("cockatiel's closed-breaker internals are checked before the fast path uses them", () => {
  test('the installed cockatiel passes the check', () => {
    assert.notEqual(typeof loadBreakerInternals(), 'string', String(loadBreakerInternals()));
  });

  test('no open(): a reason', () => {
    assert.equal(checkBreakerInternals(undefined), 'CircuitBreakerPolicy has no open()');
  });

  test('an open() that does not open, or throws: a reason, not internals', () => {
    assert.equal(checkBreakerInternals(() => undefined), 'CircuitBreakerPolicy opens otherwise than expected');
    assert.match(String(checkBreakerInternals(() => { throw new Error('changed'); })), /failed a canned failure \(changed\)/);
  });

  test("an open() that opens but ignores a half-open breaker: a reason", () => {
    const open: unknown = Reflect.get(CircuitBreakerPolicy.prototype, 'open');
    if (typeof open !== 'function') throw new Error('cockatiel has no open()');
    const onlyClosed = function (this: CircuitBreakerPolicy, ...args: unknown[]): void {
      if (this.state === CircuitState.Closed) Reflect.apply(open, this, args);
    };
    assert.equal(checkBreakerInternals(onlyClosed), 'CircuitBreakerPolicy opens a half-open breaker otherwise than expected');
  });
});
