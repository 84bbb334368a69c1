/**
 * `serve gateway --workers`: the count (`n` or `auto`, flag or
 * GATEWAY_WORKERS), the refusal on the embedded defaults, and the
 * primary's restart back-off.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayWorkers, requireFleetBackends } from '../../../src/cli/gateway-workers/workers-count.js';
import { RestartPolicy } from '../../../src/cli/gateway-workers/restart-policy.js';

describe('gatewayWorkers', () => {
  test('unset is 1: one process, no cluster', () => {
    assert.equal(gatewayWorkers(undefined, {}), 1);
    assert.equal(gatewayWorkers(undefined, { GATEWAY_WORKERS: '' }), 1);
  });
  test('a number, from the flag (which wins) or GATEWAY_WORKERS', () => {
    assert.equal(gatewayWorkers('3', { GATEWAY_WORKERS: '2' }), 3);
    assert.equal(gatewayWorkers(undefined, { GATEWAY_WORKERS: '2' }), 2);
  });
  test('auto is os.availableParallelism()', () => {
    assert.equal(gatewayWorkers('auto', {}, () => 6), 6);
    assert.equal(gatewayWorkers(undefined, { GATEWAY_WORKERS: 'auto' }, () => 1), 1);
  });
  test('anything else is a usage error naming the setting', () => {
    for (const bad of ['0', '-1', 'two', '1.5', '999']) {
      assert.throws(() => gatewayWorkers(bad, {}), (err: Error & { code?: string }) => err.code === 'AM_ERR_CLI_USAGE' && /--workers must be auto or a whole number/.test(err.message), bad);
    }
    assert.throws(() => gatewayWorkers(undefined, { GATEWAY_WORKERS: 'x' }), /GATEWAY_WORKERS must be/);
  });
});

describe('requireFleetBackends', () => {
  test('PostgreSQL and Redis: accepted', () => {
    requireFleetBackends({ databaseUrl: 'postgres://db/mesh', redisUrl: 'redis://cache' }, 2);
    requireFleetBackends({ databaseUrl: 'postgresql://db/mesh', redisUrl: 'redis://cache' }, 2);
  });
  test('SQLite, no Redis: names both settings', () => {
    assert.throws(() => requireFleetBackends({}, 2), (err: Error) => /^2 gateway workers \(--workers or GATEWAY_WORKERS\)/.test(err.message) && /DATABASE_URL=postgres/.test(err.message) && /REDIS_URL=redis/.test(err.message));
  });
  test('PostgreSQL without Redis: names REDIS_URL only', () => {
    assert.throws(() => requireFleetBackends({ databaseUrl: 'postgres://db/mesh' }, 4), (err: Error) => /REDIS_URL/.test(err.message) && !/DATABASE_URL/.test(err.message));
  });
});

describe('RestartPolicy', () => {
  test('a worker that had listened is replaced after the first delay, however often', () => {
    const policy = new RestartPolicy();
    for (let i = 0; i < 10; i++) assert.equal(policy.exited(0, true), 250);
  });
  test('start-up failures in a row double the delay, then give up; listening resets the run', () => {
    const policy = new RestartPolicy();
    assert.deepEqual([1, 2, 3, 4].map(() => policy.exited(0, false)), [500, 1000, 2000, 4000]);
    assert.equal(policy.exited(0, false), undefined);
    assert.equal(policy.exited(1, false), 500, 'slots count apart');
    policy.listened(1);
    assert.equal(policy.exited(1, false), 500);
  });
  test('a worker that dies soon after it listened is not replaced at the first delay forever: quick exits in a row back off', () => {
    let now = 0;
    const policy = new RestartPolicy({ now: () => now });
    const quickExit = () => {
      policy.listened(0);
      now += 1_000;
      return policy.exited(0, true);
    };
    assert.deepEqual(Array.from({ length: 8 }, quickExit), [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    policy.listened(0);
    now += 60_000;
    assert.equal(policy.exited(0, true), 250, 'a worker that stayed up starts the run afresh');
    policy.listened(0);
    now += 1;
    assert.equal(policy.exited(0, true), 250);
  });
});
