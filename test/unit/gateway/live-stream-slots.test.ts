import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveStreamSlots, MAX_LIVE_STREAMS, MAX_LIVE_STREAMS_PER_CALLER } from '../../../src/gateway/console/live-streams.js';

describe('LiveStreamSlots', () => {
  test('refuses a caller past its streams with 429, and takes one again once a stream is given back', () => {
    const slots = new LiveStreamSlots();
    for (let i = 0; i < MAX_LIVE_STREAMS_PER_CALLER; i++) slots.take('alice');
    assert.throws(() => slots.take('alice'), (err: any) => err.code === 'AM_ERR_GATEWAY_CONCURRENCY_LIMIT' && err.statusCode === 429);
    slots.take('bob');
    slots.give('alice');
    slots.take('alice');
    assert.equal(slots.open, MAX_LIVE_STREAMS_PER_CALLER + 1);
  });

  test('refuses everyone past the replica-wide bound', () => {
    const slots = new LiveStreamSlots();
    for (let i = 0; i < MAX_LIVE_STREAMS; i++) slots.take(`caller-${i}`);
    assert.throws(() => slots.take('late'), (err: any) => err.statusCode === 429);
    slots.give('caller-0');
    slots.take('late');
  });
});
