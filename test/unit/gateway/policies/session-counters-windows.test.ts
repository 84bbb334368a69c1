/**
 * The session counters in memory (a single gateway; a replica while Redis is
 * out of reach): each cell counts the calls before this one in its current
 * UTC window, a refusal takes the call back and counts a denial, a new
 * window starts from zero, and the context counters of a message that names
 * no context read zero without counting.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionCounters, type CountedCall, type CounterCellRef, type CounterValues } from '../../../../src/gateway/policies/index.js';

const call: CountedCall = { tenant: 'acme', subject: 'alice', contextId: 'ctx-1', agent: 'payments', skill: 'refund', milliCredits: 2_000 };
const cells: CounterCellRef[] = [{ scope: 'principal', window: 'minute' }, { scope: 'tenant', window: 'day' }, { scope: 'context', window: 'hour' }];

function values(v: CounterValues | Promise<CounterValues>): CounterValues {
  assert.ok(!(v instanceof Promise), 'in memory the counters answer at once');
  return v;
}
const cell = (v: CounterValues, scope: string, window: string) => v.find((c) => c.scope === scope && c.window === window);

describe('session counters in memory', () => {
  test('count the calls before this one, per cell; a refusal is taken back and counted as a denial', async () => {
    let now = Date.UTC(2026, 10, 28, 10, 0, 5);
    const counters = new SessionCounters({ now: () => now });
    assert.deepEqual(cell(values(counters.count(call, cells)), 'principal', 'minute'), { scope: 'principal', window: 'minute', calls: 0, spend: 0, denials: 0 });
    values(counters.count({ ...call, subject: 'bob' }, cells));
    const third = values(counters.count(call, cells));
    assert.deepEqual([cell(third, 'principal', 'minute')?.calls, cell(third, 'tenant', 'day')?.calls, cell(third, 'tenant', 'day')?.spend], [1, 2, 4_000]);
    await counters.refused(call, cells);
    const fourth = values(counters.count(call, cells));
    assert.deepEqual(cell(fourth, 'principal', 'minute'), { scope: 'principal', window: 'minute', calls: 1, spend: 2_000, denials: 1 });

    now += 60_000;
    const nextMinute = values(counters.count(call, cells));
    assert.equal(cell(nextMinute, 'principal', 'minute')?.calls, 0, 'a new minute starts from zero');
    assert.equal(cell(nextMinute, 'tenant', 'day')?.calls, 3, 'the day goes on: four calls, one taken back');
  });

  test('other agents, skills and tenants count apart', () => {
    const counters = new SessionCounters();
    values(counters.count(call, cells));
    for (const other of [{ agent: 'hr' }, { skill: 'pay' }, { tenant: 'globex' }]) assert.equal(cell(values(counters.count({ ...call, ...other }, cells)), 'tenant', 'day')?.calls, 0, JSON.stringify(other));
  });

  test('a message with no context reads its context counters as zero, and counts nothing there', () => {
    const counters = new SessionCounters();
    for (let i = 0; i < 3; i++) assert.deepEqual(cell(values(counters.count({ ...call, contextId: '' }, cells)), 'context', 'hour'), { scope: 'context', window: 'hour', calls: 0, spend: 0, denials: 0 });
  });
});
