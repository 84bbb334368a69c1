import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import finance from '../../../agents/finance.js';
import { calculateCosts } from '../../../agents/finance/calculate-costs.js';
import { costText } from '../../../agents/finance/cost-text.js';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('calculateCosts', () => {
  test('prices items, then the discount, then tax on the discounted amount', () => {
    const quote = calculateCosts({ items: [{ description: 'laptop', quantity: 3, unitPrice: 1200 }, { sku: 'MON-27', quantity: 5, unitPrice: 300 }], discountPct: 10, taxPct: 20, currency: 'EUR' });
    assert.deepEqual(quote, {
      currency: 'EUR',
      lines: [
        { description: 'laptop', quantity: 3, unitPrice: 1200, amount: 3600, period: 'one-time' },
        { description: 'MON-27', sku: 'MON-27', quantity: 5, unitPrice: 300, amount: 1500, period: 'one-time' },
      ],
      subtotal: 5100,
      discountPct: 10,
      discount: 510,
      taxPct: 20,
      tax: 918,
      total: 5508,
      annualized: 5508,
    });
  });

  test('adds money in cents, without floating-point drift', () => {
    const quote = calculateCosts({ items: [{ quantity: 1, unitPrice: 0.1 }, { quantity: 1, unitPrice: 0.2 }], taxPct: 7.25 });
    assert.equal(quote.subtotal, 0.3);
    assert.equal(quote.tax, 0.02);
    assert.equal(quote.total, 0.32);
    assert.equal(calculateCosts({ items: [{ quantity: 3, unitPrice: 19.99 }] }).total, 59.97);
  });

  test('annualizes monthly lines and counts yearly and one-time lines once', () => {
    const quote = calculateCosts({ items: [{ description: 'setup', quantity: 1, unitPrice: 1000 }, { description: 'seats', quantity: 40, unitPrice: 15, period: 'month' }, { description: 'support', quantity: 1, unitPrice: 500, period: 'year' }] });
    assert.equal(quote.total, 2100);
    assert.equal(quote.annualized, 1000 + 40 * 15 * 12 + 500);
  });

  test('names the bad field', () => {
    assert.throws(() => calculateCosts({ items: [{ quantity: 1, unitPrice: 5 }, { quantity: 0, unitPrice: 5 }] }), (err: any) => err.code === 'AM_ERR_PROTOCOL_INVALID_PARAMS' && /items\[1\]\.quantity must be a positive number/.test(err.message));
    assert.throws(() => calculateCosts({ items: [{ quantity: 1, unitPrice: 5 }], taxPct: 120 }), /taxPct must be between 0 and 100/);
    assert.throws(() => calculateCosts({ items: [] }), /items must list at least one item/);
  });
});

describe('costText', () => {
  test('reads items, a tax and the currency', () => {
    assert.deepEqual(costText('cost of 12 seats at 49 USD with 20% tax'), { items: [{ description: 'seats', quantity: 12, unitPrice: 49, period: 'one-time' }], taxPct: 20, currency: 'USD' });
  });

  test('reads several items, prices with thousands separators and a discount', () => {
    assert.deepEqual(costText('3 servers at $2,400 each plus 10 support hours at 150, 15% off'), {
      items: [
        { description: 'servers', quantity: 3, unitPrice: 2400, period: 'one-time' },
        { description: 'support hours', quantity: 10, unitPrice: 150, period: 'one-time' },
      ],
      discountPct: 15,
      currency: 'USD',
    });
  });

  test('reads subscriptions, VAT written first and euro prices', () => {
    assert.deepEqual(costText('25 licences at 30 EUR a month, VAT 19%'), { items: [{ description: 'licences', quantity: 25, unitPrice: 30, period: 'month' }], taxPct: 19, currency: 'EUR' });
  });

  test('finds no item in a question without figures', () => {
    assert.deepEqual(costText('how much is the purchase order with VAT?').items, []);
  });
});

describe('finance agent', () => {
  const agent = startedForSuite(() => testAgent(finance));

  test('prices a request in words', async () => {
    const task = await agent().send({ text: 'what do 12 seats at 49 USD cost with 20% tax?' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.data<any>().total, 705.6);
    assert.equal(task.text('summary'), '12 × seats at 49.00 USD = 588.00 USD\nsubtotal 588.00 USD\ntax 20%: +117.60 USD\ntotal 705.60 USD');
    assert.deepEqual(task.usage, { credits: 1, units: { lines: 1 } });
  });

  test('asks for the items when the text has none, keeping the tax it gave', async () => {
    const done = await askThenAnswer(agent(), { text: 'total my order including 10% VAT' }, /Which items should I price/, { text: '4 chairs at 250 each' });
    assert.deepEqual([done.data<any>().subtotal, done.data<any>().taxPct, done.data<any>().total], [1000, 10, 1100]);
  });

  test('fails when the answer still lists nothing to price', async () => {
    const asked = await agent().send({ text: 'how much will it be?' });
    const done = await agent().reply(asked, { text: 'the usual' });
    assert.equal(done.state, 'TASK_STATE_FAILED');
    assert.match(done.statusText, /lists no item to price/);
  });

  test('rejects malformed items before running, naming the field', async () => {
    await assert.rejects(agent().send({ data: { items: [{ quantity: -1, unitPrice: 3 }] } }), (err: A2ACallError) => err.code === -32602 && /data\.items\[0\]\.quantity must be > 0/.test(err.message));
  });
});
