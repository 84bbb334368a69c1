import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closestNames } from '../../../src/cli/io/closest-names.js';

const AGENTS = ['echo', 'lead-scorer', 'data-engineer', 'legal', 'finance', 'sales', 'hr', 'hr-acp', 'orchestrator'];

test('a typo finds the name it was meant to be: a letter missing, extra, wrong, or two swapped, in any case', () => {
  assert.deepEqual(closestNames('lead-scorr', AGENTS), ['lead-scorer']);
  assert.deepEqual(closestNames('lead-scoerr', AGENTS), ['lead-scorer']);
  assert.deepEqual(closestNames('salse', AGENTS), ['sales']);
  assert.deepEqual(closestNames('finanse', AGENTS), ['finance']);
  assert.deepEqual(closestNames('Orchestrator', AGENTS), ['orchestrator']);
});

test('only near names: a short word is allowed one edit, none is a guess at random', () => {
  assert.deepEqual(closestNames('hr', AGENTS), [], 'hr itself is no suggestion, and hr-acp is four edits away');
  assert.deepEqual(closestNames('xyz', AGENTS), []);
  assert.deepEqual(closestNames('scorer', AGENTS), []);
  assert.deepEqual(closestNames('legl', AGENTS), ['legal']);
});

test('the nearest come first, at most three', () => {
  assert.deepEqual(closestNames('aa', ['ab', 'a', 'aaa', 'ba', 'zz']), ['ab', 'a', 'aaa']);
  assert.deepEqual(closestNames('sale', ['sales', 'sal', 'scale', 'sole']), ['sales', 'sal', 'scale']);
});

test('every name it suggests is within its bound of edits, and one edit away is always found', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z][a-z-]{3,15}$/), fc.nat(), fc.constantFrom('a', 'z', '-'), (name, at, letter) => {
      const i = at % name.length;
      // One substitution, insertion or deletion: always near enough for a name of four letters or more.
      for (const typo of [name.slice(0, i) + letter + name.slice(i + 1), name.slice(0, i) + letter + name.slice(i), name.slice(0, i) + name.slice(i + 1)]) {
        if (typo === name) continue;
        assert.ok(closestNames(typo, ['zzzzzzzzzzzzzzzzzzzzzz', name]).includes(name), `${typo} → ${name}`);
      }
    }),
  );
});
