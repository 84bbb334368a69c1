import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecentTraces } from '../../../src/observability/recent-traces.js';
import { a2aUrlTemplate } from '../../../src/observability/traced-fetch.js';

describe('a2aUrlTemplate', () => {
  test('names agentmesh A2A paths by template, whatever the agent, task or config', () => {
    assert.deepEqual(a2aUrlTemplate('/agents/scorer'), { template: '/agents/{name}', agent: 'scorer' });
    assert.deepEqual(a2aUrlTemplate('/agents/scorer/'), { template: '/agents/{name}', agent: 'scorer' });
    assert.deepEqual(a2aUrlTemplate('/agents/scorer/message:send'), { template: '/agents/{name}/message:send', agent: 'scorer' });
    assert.deepEqual(a2aUrlTemplate('/agents/scorer/tasks/01a2-77:cancel'), { template: '/agents/{name}/tasks/{id}:cancel', agent: 'scorer' });
    assert.deepEqual(a2aUrlTemplate('/agents/a%20b/tasks/t1/pushNotificationConfigs/c9'), { template: '/agents/{name}/tasks/{id}/pushNotificationConfigs/{configId}', agent: 'a b' });
    assert.deepEqual(a2aUrlTemplate('/prefix/agents/scorer/message:stream'), { template: '/agents/{name}/message:stream', agent: 'scorer' });
  });

  test('leaves other paths unnamed (the span is then named by its method)', () => {
    assert.equal(a2aUrlTemplate('/oauth/token'), undefined);
    assert.equal(a2aUrlTemplate('/'), undefined);
  });
});

describe('RecentTraces', () => {
  const sc = (n: number) => ({ traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), traceFlags: 1 });

  test('keeps the newest entries and drops the oldest past its bound', () => {
    const traces = new RecentTraces(2);
    traces.set('a', sc(1));
    traces.set('b', sc(2));
    traces.set('a', sc(3)); // refreshed: now the newest
    traces.set('c', sc(4));
    assert.equal(traces.get('b'), undefined);
    assert.deepEqual(traces.get('a'), sc(3));
    assert.deepEqual(traces.get('c'), sc(4));
  });

  test('refuses a bound that is not a positive integer', () => {
    assert.throws(() => new RecentTraces(0), /"maxEntries" must be a positive integer/);
  });
});
