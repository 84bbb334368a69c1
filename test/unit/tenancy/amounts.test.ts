import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCredits, parseCredits } from '../../../src/tenancy/amounts.js';

test('formatCredits prints milli-credits as credits with three decimals', () => {
  assert.equal(formatCredits(0), '0.000');
  assert.equal(formatCredits(5), '0.005');
  assert.equal(formatCredits(12_345), '12.345');
  assert.equal(formatCredits(1_000_000_000), '1000000.000');
  assert.equal(formatCredits(-1_500), '-1.500');
});

test('parseCredits reads decimal credits exactly, without floats', () => {
  assert.equal(parseCredits('12.5'), 12_500);
  assert.equal(parseCredits('0.001'), 1);
  assert.equal(parseCredits(' 7 '), 7_000);
  assert.equal(parseCredits(0.25), 250);
  assert.equal(parseCredits('1.100'), 1_100);
});

test('parseCredits refuses more than 3 decimals, signs, exponents and words', () => {
  for (const bad of ['1.0001', '-1', '+1', '1e3', 'ten', '', '.5', '1.', 0.1 + 0.2, Number.POSITIVE_INFINITY]) {
    assert.throws(() => parseCredits(bad), (err: any) => err.code === 'AM_ERR_TENANCY_INVALID_ARGUMENT' && /credits must be a non-negative number of credits/.test(err.message), String(bad));
  }
  assert.throws(() => parseCredits('99999999999999999999'), /too large/);
});
