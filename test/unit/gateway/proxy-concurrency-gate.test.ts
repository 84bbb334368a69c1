import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConcurrencyGate } from '../../../src/gateway/proxy/concurrency-gate.js';

const admitted = (r: ReturnType<ConcurrencyGate['admit']>): (() => void) => {
  assert.equal(typeof r, 'function', JSON.stringify(r));
  return r as () => void;
};

test('one tenant alone may use the whole limit; a second tenant then always finds room as the first one releases', () => {
  const gate = new ConcurrencyGate({ perTenantLimit: 1000 });
  const flood = Array.from({ length: 8 }, () => admitted(gate.admit('scorer', 'acme', 8)));
  assert.deepEqual(gate.admit('scorer', 'acme', 8), { kind: 'agent', limit: 8 });
  assert.deepEqual(gate.admit('scorer', 'globex', 8), { kind: 'agent', limit: 8 });
  // Two of acme's calls end: the fair share is now 4 each, and acme holds 6, so only globex may start.
  flood.pop()!();
  flood.pop()!();
  assert.deepEqual(gate.admit('scorer', 'acme', 8), { kind: 'tenant', share: 4, limit: 8 });
  admitted(gate.admit('scorer', 'globex', 8));
  admitted(gate.admit('scorer', 'globex', 8));
  assert.equal(gate.inFlight('scorer'), 8);
});

test('without a declared limit only the per-tenant cap applies, per agent', () => {
  const gate = new ConcurrencyGate({ perTenantLimit: 2 });
  admitted(gate.admit('a', 'acme', undefined));
  admitted(gate.admit('a', 'acme', undefined));
  assert.deepEqual(gate.admit('a', 'acme', undefined), { kind: 'tenant', share: 2, limit: 2 });
  admitted(gate.admit('b', 'acme', undefined));
  admitted(gate.admit('a', '__proto__', undefined));
});

test('property: releases return every counter to zero, and a release twice is harmless', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ agent: fc.constantFrom('x', 'y', 'constructor'), tenant: fc.constantFrom('t1', 't2', 't3', 'toString'), limit: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }) }), { maxLength: 60 }), (calls) => {
      const gate = new ConcurrencyGate({ perTenantLimit: 4 });
      const held: Array<() => void> = [];
      for (const c of calls) {
        const r = gate.admit(c.agent, c.tenant, c.limit);
        if (typeof r === 'function') held.push(r);
        assert.equal(gate.inFlightTotal(), held.length, 'every admitted call, on every agent');
        if (c.limit !== undefined) assert.ok(gate.inFlight(c.agent) <= Math.max(c.limit, 4 * 4));
      }
      for (const release of held) {
        release();
        release();
      }
      for (const agent of ['x', 'y', 'constructor']) assert.equal(gate.inFlight(agent), 0);
      assert.equal(gate.inFlightTotal(), 0);
    }),
  );
});
