/**
 * The quota script (ADR 0026) on a private `redis-server` this test starts
 * on a free port (so its command counts are this test's own, and flushing
 * its script cache or stopping it touches nobody else's):
 *
 * - what a call costs Redis: one EVALSHA, and inside it one INCR per check
 *   (a counter's TTL read once per window per replica, its expiry set once);
 * - the script is not loaded (a restarted or failed-over Redis, `SCRIPT
 *   FLUSH`): the call is still counted in Redis (EVALSHA answers NOSCRIPT,
 *   EVAL loads it again) and the next call is one EVALSHA again;
 * - Redis is down: the gateway keeps limiting per replica in memory (the
 *   documented behaviour: neither fail-open nor fail-closed), answering
 *   quota refusals, never an error; once Redis is back, calls count there
 *   again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { Quotas, quotaKeyOf, type QuotaCheck } from '../../src/gateway/policy/quotas.js';
import { QUOTA_SCRIPT } from '../../src/gateway/policy/quota-script.js';
import { freePort } from '../helpers/free-port.js';
import { redisSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { parseCommandStats } from '../../bench/scale/service-stats.js';

const skip = await redisSkipReason();

/** A throwaway redis-server (no persistence) on `port`; resolves once it accepts connections. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/Ready to accept connections/i.test(out)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited early with ${code}: ${out}`)));
  });
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** The gateway's quota connection: one retry per command and no offline queue, so a down Redis fails calls at once. */
function gatewayConnection(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  return redis;
}

describe('the quota script on a private Redis: what a call costs, a lost script, Redis down', { skip }, () => {
  let port: number;
  let server: ChildProcess | undefined;
  let redis: Redis;
  let admin: Redis;
  const sha = createHash('sha1').update(QUOTA_SCRIPT).digest('hex');

  before(async () => {
    port = await freePort();
    server = await startRedisServer(port);
    redis = gatewayConnection(port);
    admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    admin.on('error', () => undefined);
    await until('the gateway connection to be ready', async () => redis.status === 'ready', 10_000);
  });
  after(async () => {
    redis?.disconnect();
    admin?.disconnect();
    await stop(server);
  });

  test("a call's two quotas cost Redis one EVALSHA and one INCR per check", async () => {
    const quotas = new Quotas({ redis });
    const checks: QuotaCheck[] = [
      { key: 'client:cost:agent:a', rpm: 1000, burst: 50 },
      { key: 'tenant:cost', rpm: 10_000, burst: 0 },
    ];
    await quotas.admit(checks);
    await admin.config('RESETSTAT');
    const CALLS = 200;
    for (let i = 0; i < CALLS; i++) await quotas.admit(checks);
    const stats = parseCommandStats(await admin.info('commandstats'));
    // The admin connection's own commands are the only others.
    stats.delete('info');
    stats.delete('config|resetstat');
    assert.deepEqual(Object.fromEntries(stats), { evalsha: CALLS, incr: 2 * CALLS });
  });

  test('a flushed script cache (NOSCRIPT) is reloaded and the call still counts in Redis', async () => {
    const quotas = new Quotas({ redis });
    const check: QuotaCheck = { key: 'client:noscript:agent:a', rpm: 10, burst: 0 };
    await quotas.admit([check]);
    assert.deepEqual(await admin.script('EXISTS', sha), [1]);
    await admin.script('FLUSH');
    assert.deepEqual(await admin.script('EXISTS', sha), [0]);
    const state = await quotas.admit([check]);
    assert.equal(state?.remaining, 8);
    assert.equal(Number(await admin.get(quotaKeyOf(check))), 2, 'both calls counted in Redis, not in memory');
    assert.deepEqual(await admin.script('EXISTS', sha), [1], 'loaded again');
  });

  test('with Redis down, a replica limits in memory (429s, no errors); back up, calls count in Redis again', async () => {
    const quotas = new Quotas({ redis });
    const check: QuotaCheck = { key: 'client:down:agent:a', rpm: 3, burst: 1 };
    await quotas.admit([check]);
    assert.equal(Number(await admin.get(quotaKeyOf(check))), 1);

    await stop(server);
    await until('the gateway connection to see Redis gone', async () => redis.status !== 'ready', 10_000);
    // In memory from zero: rpm + burst admitted, then refused with Retry-After, never a Redis error.
    for (let i = 0; i < 4; i++) assert.ok(await quotas.admit([check]));
    await assert.rejects(quotas.admit([check]), (err: { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(err.code, 'AM_ERR_GATEWAY_QUOTA_EXCEEDED');
      assert.ok(Number(err.details?.['retryAfterSeconds']) >= 1);
      return true;
    });

    server = await startRedisServer(port);
    await until('the gateway connection to reconnect', async () => redis.status === 'ready', 10_000);
    // A fresh server: the script is not loaded and the counter is gone; the call counts there again.
    const fresh: QuotaCheck = { key: 'client:back:agent:a', rpm: 3, burst: 0 };
    await quotas.admit([fresh]);
    assert.equal(Number(await admin.get(quotaKeyOf(fresh))), 1);
  });
});
