import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCredits, formatDuration, formatNumber, plural, startedAt, stateClass, stateLabel } from '../../../console/src/format.js';
import { requestOf } from '../../../src/gateway/console/console-task-stream.js';

test('numbers, plurals and credits read one way everywhere', () => {
  assert.equal(formatNumber('15823.850'), '15,823.85');
  assert.equal(formatNumber(15823.85), '15,823.85');
  assert.equal(plural(1, 'agent'), '1 agent');
  assert.equal(plural(12, 'agent'), '12 agents');
  assert.equal(plural(10_000, 'item'), '10,000 items');
  assert.equal(plural(3, 'batch', 'batches'), '3 batches');
  assert.equal(formatCredits(1), '1 credit');
  assert.equal(formatCredits(1500, 'milli'), '1.5 credits');
});

test('task states read as words, never TASK_STATE_', () => {
  assert.equal(stateLabel('TASK_STATE_INPUT_REQUIRED'), 'input required');
  assert.equal(stateClass('TASK_STATE_INPUT_REQUIRED'), 'task-input-required');
  assert.equal(stateLabel(undefined), 'unknown');
  fc.assert(fc.property(fc.string(), (s) => !stateLabel(`TASK_STATE_${s}`).includes('TASK_STATE_') || s.includes('TASK_STATE_')));
});

test('durations pick the unit that reads', () => {
  assert.deepEqual([850, 1_234, 12_300, 754_000, 7_380_000].map(formatDuration), ['850 ms', '1.23 s', '12.3 s', '12 min 34 s', '2 h 3 min']);
  assert.equal(formatDuration(-1), '–');
});

test("a task's start comes from a UUIDv7 id only", () => {
  assert.equal(new Date(startedAt('01a21172-fc59-76df-9f41-8b08b708b82d')!).toISOString(), '2026-11-25T06:44:38.105Z');
  assert.equal(startedAt('3f2504e0-4f89-41d3-9a0c-0305e82c3301'), undefined, 'a v4 id says nothing of time');
  assert.equal(startedAt('not-an-id'), undefined);
  fc.assert(fc.property(fc.string(), (s) => startedAt(s) === undefined || /^[0-9a-f-]{36}$/i.test(s)));
});

test('what a task was asked: the first user message, cut at a word', () => {
  const task = (parts: unknown[], role = 'ROLE_USER') => ({ history: [{ role, parts }, { role: 'ROLE_AGENT', parts: [{ text: 'answer' }] }] });
  assert.equal(requestOf(task([{ text: '  price my\norder please ' }])), 'price my order please');
  assert.equal(requestOf(task([{ data: { leadIds: ['a'], top: 3 } }])), 'data: leadIds, top');
  assert.match(requestOf(task([{ text: 'word '.repeat(40) }]))!, /^(word ){15}word…$/);
  assert.equal(requestOf(task([{ text: 'x' }], 'ROLE_AGENT')), undefined);
  // Hostile shapes are no request, never a throw.
  fc.assert(fc.property(fc.anything(), (anything) => {
    const r = requestOf(anything);
    return r === undefined || (typeof r === 'string' && r.length <= 81);
  }));
});
