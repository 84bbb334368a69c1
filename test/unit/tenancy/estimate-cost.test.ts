import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost } from '../../../src/tenancy/estimate-cost.js';

test('per call: creditsPerCall in milli-credits, whatever the input', () => {
  assert.equal(estimateCost({ creditsPerCall: 2 }, { leadIds: ['a'] }), 2_000);
  assert.equal(estimateCost({ creditsPerCall: 0.5 }, undefined), 500);
  assert.equal(estimateCost({ creditsPerCall: 1.1 }, {}), 1_100, 'no float drift: 1.1 * 1000 is 1100');
});

test('per item (seed 004): 1 credit per lead over leadIds', () => {
  const pricing = { creditsPerItem: 1, itemsPath: 'leadIds' };
  assert.equal(estimateCost(pricing, { leadIds: ['lead-1', 'lead-2', 'lead-3'], provider: 'apollo' }), 3_000);
  assert.equal(estimateCost(pricing, { leadIds: [] }), 0, 'an empty list counts no items');
  assert.equal(estimateCost({ creditsPerItem: 0.5, itemsPath: 'candidateLeadIds' }, { candidateLeadIds: Array.from({ length: 7 }, (_, i) => `l${i}`) }), 3_500);
  assert.equal(estimateCost({ creditsPerItem: 2, itemsPath: 'batch.size' }, { batch: { size: 25 } }), 50_000, 'a number at the path is the count');
});

test('both: per call plus per item', () => {
  assert.equal(estimateCost({ creditsPerCall: 5, creditsPerItem: 0.25, itemsPath: 'ids' }, { ids: ['a', 'b'] }), 5_500);
});

test('missing path, or no path: one item (seed 004: `leadIds?.length || 1`)', () => {
  const pricing = { creditsPerCall: 1, creditsPerItem: 2, itemsPath: 'batch.leadIds' };
  assert.equal(estimateCost(pricing, {}), 3_000);
  assert.equal(estimateCost(pricing, { batch: {} }), 3_000);
  assert.equal(estimateCost(pricing, { batch: null }), 3_000);
  assert.equal(estimateCost(pricing, undefined), 3_000);
  assert.equal(estimateCost({ creditsPerItem: 2 }, { anything: [1, 2, 3] }), 2_000);
});

test('no pricing costs nothing', () => {
  assert.equal(estimateCost(undefined, { leadIds: ['a'] }), 0);
  assert.equal(estimateCost({}, { leadIds: ['a'] }), 0);
  assert.equal(estimateCost({ itemsPath: 'leadIds' }, { leadIds: ['a'] }), 0);
});

test('bad input at the path is refused, naming the path', () => {
  const pricing = { creditsPerItem: 1, itemsPath: 'leadIds' };
  for (const [value, shown] of [['lead-1', 'a string'], [{ a: 1 }, 'an object'], [2.5, '2.5'], [-1, '-1'], [true, 'a boolean']] as const) {
    assert.throws(() => estimateCost(pricing, { leadIds: value }), (err: any) => {
      assert.equal(err.code, 'AM_ERR_TENANCY_INVALID_ARGUMENT');
      assert.equal(err.statusCode, 400);
      assert.equal(err.violations[0].field, 'leadIds');
      assert.match(err.message, new RegExp(`^leadIds must be an array or a non-negative integer to count items for pricing, got ${shown}$`));
      return true;
    });
  }
  assert.throws(() => estimateCost({ creditsPerItem: 1, itemsPath: 'batch.ids' }, { batch: 'x' }), { message: 'batch must be an object to reach batch.ids for pricing, got a string' });
  assert.throws(() => estimateCost({ creditsPerItem: 1, itemsPath: 'ids' }, 'score 3 leads'), /input must be an object to reach ids/);
});

test('bad pricing is refused', () => {
  assert.throws(() => estimateCost({ creditsPerCall: -1 }, {}), /pricing.creditsPerCall must be a non-negative number/);
  assert.throws(() => estimateCost({ creditsPerItem: Number.NaN, itemsPath: 'x' }, {}), /pricing.creditsPerItem/);
  assert.throws(() => estimateCost({ creditsPerItem: 1e12, itemsPath: 'n' }, { n: 1e9 }), /too large/);
});
