import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import analytics from '../../../agents/analytics.js';
import { fitAndForecast } from '../../../agents/analytics/exponential-smoothing.js';
import { forecastSeries } from '../../../agents/analytics/forecast.js';
import { forecastText } from '../../../agents/analytics/forecast-text.js';
import { sampleMetrics } from '../../../agents/analytics/sample-metrics.js';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

/** Trend plus a yearly wave, no noise: what Holt-Winters should learn exactly enough. */
const seasonal = (n: number): number[] => Array.from({ length: n }, (_, t) => 100 + 2 * t + 15 * Math.sin((2 * Math.PI * t) / 12));
const mape = (forecast: number[], actual: number[]): number => (100 * forecast.reduce((s, f, i) => s + Math.abs((f - actual[i]!) / actual[i]!), 0)) / forecast.length;

describe('exponential smoothing', () => {
  test('continues a straight line exactly', () => {
    const fit = fitAndForecast([10, 12, 14, 16, 18], 3);
    assert.equal(fit.method, 'holt');
    assert.deepEqual(fit.forecast.map((v) => Math.round(v * 1e9) / 1e9), [20, 22, 24]);
    assert.ok(fit.residuals.every((e) => Math.abs(e) < 1e-9));
  });

  test('Holt-Winters learns a season that Holt cannot', () => {
    const history = seasonal(48);
    const truth = seasonal(60).slice(48);
    const winters = fitAndForecast(history, 12, 12).forecast;
    const holt = fitAndForecast(history, 12).forecast;
    assert.ok(mape(winters, truth) < 2, `Holt-Winters MAPE ${mape(winters, truth)}`);
    assert.ok(mape(holt, truth) > 2 * mape(winters, truth), `Holt MAPE ${mape(holt, truth)}`);
  });

  test('gives the same parameters for the same series', () => {
    const a = fitAndForecast(seasonal(36), 6, 12);
    const b = fitAndForecast(seasonal(36), 6, 12);
    assert.deepEqual(a, b);
    assert.equal(a.parameters.gamma !== undefined, true);
  });
});

describe('forecastSeries', () => {
  test('labels monthly periods after the history and widens the interval with the horizon', () => {
    const revenue = sampleMetrics.get('revenue')!;
    const f = forecastSeries({ series: revenue.values, labels: revenue.months, horizon: 14, seasonLength: 12 });
    assert.deepEqual([f.forecast[0]!.period, f.forecast[13]!.period], ['2026-01', '2027-02']);
    assert.deepEqual(f.history, { points: 36, last: revenue.values.at(-1), lastPeriod: '2025-12' });
    assert.equal(f.fit.points, 24, 'the first season initializes the model');
    for (const p of f.forecast) assert.ok(p.lower < p.value && p.value < p.upper);
    assert.ok(f.forecast[13]!.upper - f.forecast[13]!.lower > f.forecast[0]!.upper - f.forecast[0]!.lower);
  });

  test('forecasts the sample revenue\'s last six months within 10% when fitted on the rest', () => {
    const revenue = sampleMetrics.get('revenue')!.values;
    const f = forecastSeries({ series: revenue.slice(0, 30), horizon: 6, seasonLength: 12 });
    assert.ok(mape(f.forecast.map((p) => p.value), revenue.slice(30)) < 10);
  });

  test('names the problem with a series it cannot fit', () => {
    const invalid = (re: RegExp) => (err: any) => err.code === 'AM_ERR_PROTOCOL_INVALID_PARAMS' && re.test(err.message);
    assert.throws(() => forecastSeries({ series: [1, 2], horizon: 1 }), invalid(/series needs at least 3 points/));
    assert.throws(() => forecastSeries({ series: seasonal(20), horizon: 1, seasonLength: 12 }), invalid(/needs at least two full seasons \(24 points\)/));
    assert.throws(() => forecastSeries({ series: [1, 2, 3], horizon: 0 }), invalid(/horizon must be a whole number of periods from 1 to 60/));
    assert.throws(() => forecastSeries({ series: [1, Number.NaN, 3], horizon: 1 }), invalid(/finite numbers/));
  });

  test('leaves MAPE out when an actual value is zero', () => {
    assert.equal(forecastSeries({ series: [5, 4, 0, 3, 6], horizon: 1 }).fit.mape, null);
  });
});

describe('forecastText', () => {
  test('reads the metric and the horizon in months, quarters and years', () => {
    assert.deepEqual(forecastText('forecast revenue for the next 6 months'), { metric: 'revenue', horizon: 6 });
    assert.deepEqual(forecastText('how many signups next quarter?'), { metric: 'signups', horizon: 3 });
    assert.deepEqual(forecastText('active users over the next two years'), { metric: 'activeUsers', horizon: 24 });
    assert.deepEqual(forecastText('bookings for half a year'), { metric: 'bookings', horizon: 6 });
    assert.deepEqual(forecastText('support tickets next month'), { metric: 'supportTickets', horizon: 1 });
  });

  test('reads a series written as a list, and a horizon beside it', () => {
    assert.deepEqual(forecastText('extend 1,200, 1,350, 1,500; 1,610 by four months'), { series: [1200, 1350, 1500, 1610], horizon: 4 });
    assert.deepEqual(forecastText('what comes after 3, 5, 7'), { series: [3, 5, 7] });
  });
});

describe('analytics agent', () => {
  const agent = startedForSuite(() => testAgent(analytics));

  test('forecasts a sample metric from text with Holt-Winters', async () => {
    const task = await agent().send({ text: 'forecast revenue for the next 6 months' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.data<any>().metric, 'revenue');
    assert.equal(task.data<any>().unit, 'kUSD');
    assert.equal(task.data<any>().method, 'holt-winters');
    assert.deepEqual(task.data<any>().forecast.map((p: any) => p.period), ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    assert.deepEqual(task.usage, { credits: 1, units: { points: 36 } });
    assert.match(task.text('summary'), /^Forecast of revenue \(kUSD\) with holt-winters/);
  });

  test('forecasts a series sent as data with Holt', async () => {
    const task = await agent().send({ data: { series: [10, 12, 14, 16, 18], horizon: 2 } });
    assert.equal(task.data<any>().method, 'holt');
    assert.deepEqual(task.data<any>().forecast.map((p: any) => p.value), [20, 22]);
  });

  test('asks what to forecast when the text does not say, keeping the horizon', async () => {
    const done = await askThenAnswer(agent(), { text: 'what will the next two quarters look like?' }, /What should I forecast/, { text: 'signups' });
    assert.equal(done.data<any>().metric, 'signups');
    assert.equal(done.data<any>().forecast.length, 6);
  });

  test('fails a request naming both a series and a metric', async () => {
    const task = await agent().send({ data: { series: [1, 2, 3], metric: 'revenue', horizon: 1 } });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /metric cannot be combined with series/);
  });

  test('rejects a horizon out of range before running', async () => {
    await assert.rejects(agent().send({ data: { metric: 'revenue', horizon: 61 } }), (err: A2ACallError) => err.code === -32602 && /horizon must be <= 60/.test(err.message));
  });
});
